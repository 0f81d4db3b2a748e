/**
 * A raw HTTP/1.1 client over node:net: fetch() cannot send asterisk-form or broken absolute-form targets,
 * bad Host headers or unknown content-encodings unmodified, so the hostile-input tests write the bytes.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  ms: number;
}

/** Send `head` (request line + headers, no trailing blank line) and `body`; resolve the first answer. */
export function rawRequest(port: number, head: string, body = '', timeoutMs = 2000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    // Bytes, not text: chunk sizes and content-length count bytes, and answers may hold non-ASCII.
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${head.split('\r\n')[0]}`));
    }, timeoutMs);
    const finish = () => {
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return false;
      const lines = data.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(lines[0]?.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const rest = data.subarray(split + 4);
      // A HEAD answer, 204 and 304 carry no body whatever their content-length says.
      const bodiless = /^HEAD /.test(head) || status === 204 || status === 304;
      const length = bodiless ? undefined : headers['content-length'];
      if (length !== undefined && rest.length < Number(length)) return false;
      if (
        !bodiless &&
        length === undefined &&
        headers['transfer-encoding'] &&
        !rest.subarray(-5).equals(Buffer.from('0\r\n\r\n'))
      )
        return false;
      clearTimeout(timer);
      socket.destroy();
      const body = bodiless ? '' : dechunk(rest, headers);
      resolve({ status, headers, body, ms: performance.now() - started });
      return true;
    };
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      finish();
    });
    socket.on('end', () => {
      if (!finish()) {
        clearTimeout(timer);
        reject(
          new Error(
            `connection closed without a full answer to ${head.split('\r\n')[0]}: ${data.toString('latin1')}`,
          ),
        );
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const bytes = Buffer.from(body);
    socket.write(`${head}\r\ncontent-length: ${bytes.length}\r\nconnection: close\r\n\r\n`);
    socket.write(bytes);
  });
}

function dechunk(raw: Buffer, headers: Record<string, string>): string {
  if (!/chunked/i.test(headers['transfer-encoding'] ?? '')) return raw.toString('utf8');
  const parts: Buffer[] = [];
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts).toString('utf8');
    parts.push(rest.subarray(eol + 2, eol + 2 + size));
    rest = rest.subarray(eol + 4 + size);
  }
}
