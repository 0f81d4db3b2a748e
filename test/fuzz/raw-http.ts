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
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${head.split('\r\n')[0]}`));
    }, timeoutMs);
    const finish = () => {
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return false;
      const lines = data.slice(0, split).split('\r\n');
      const status = Number(lines[0]?.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const rest = data.slice(split + 4);
      const length = headers['content-length'];
      if (length !== undefined && Buffer.byteLength(rest) < Number(length)) return false;
      if (length === undefined && headers['transfer-encoding'] && !rest.endsWith('0\r\n\r\n')) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status, headers, body: dechunk(rest, headers), ms: performance.now() - started });
      return true;
    };
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      finish();
    });
    socket.on('end', () => {
      if (!finish()) {
        clearTimeout(timer);
        reject(new Error(`connection closed without a full answer to ${head.split('\r\n')[0]}: ${data}`));
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

function dechunk(raw: string, headers: Record<string, string>): string {
  if (!/chunked/i.test(headers['transfer-encoding'] ?? '')) return raw;
  let out = '';
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}
