/**
 * Start an HTTP server for a mock or the app, print the one listening line outside scripts wait for,
 * and stop cleanly on SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stop accepting, destroy open sockets (hung requests included), resolve when closed. */
  close(): Promise<void>;
}

export interface ListenOptions {
  port?: number;
  host?: string;
  /** `klaviyo`, `supabase` or `app`: printed as `<name> listening on http://…`. */
  name?: string;
  /** Print the listening line (default false; the CLI turns it on). */
  announce?: boolean;
}

export function listen(app: Express, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port ?? 0, host);
    server.keepAliveTimeout = 65_000;
    const sockets = new Set<Socket>();
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const url = `http://${shownHost}:${port}`;
      if (options.announce && options.name) process.stdout.write(`${options.name} listening on ${url}\n`);
      resolve({
        server,
        port,
        url,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    });
  });
}

/** Close the given servers on SIGINT/SIGTERM, then run `after` and exit 0. */
export function closeOnSignals(servers: RunningServer[], after?: () => void | Promise<void>): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map((s) => s.close()));
    await after?.();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export interface ServeOptions {
  port?: number;
  host?: string;
  announce?: boolean;
  /** Close the service (its store) when the server closes: true when the caller did not pass one in. */
  ownsService?: boolean;
}

/**
 * Serve a mock service over HTTP through the Express adapter; closing the server also closes the service
 * when this server owns it. Both mocks' `start*Server` functions are this with their defaults.
 */
export async function serveMock<S extends { name: string; close(): void }>(
  service: S,
  createApp: (service: S) => Express,
  options: ServeOptions = {},
): Promise<RunningServer & { service: S }> {
  let running: RunningServer;
  try {
    running = await listen(createApp(service), {
      port: options.port ?? 0,
      host: options.host,
      name: service.name,
      announce: options.announce,
    });
  } catch (err) {
    if (options.ownsService) service.close();
    throw err;
  }
  return {
    ...running,
    service,
    close: async () => {
      await running.close();
      if (options.ownsService) service.close();
    },
  };
}
