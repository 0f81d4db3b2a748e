/**
 * The Dream Flow backend over HTTP (Express 5): thin routes onto `DreamFlowBackend`. A Supabase access
 * token in `Authorization: Bearer …` identifies the user (seeds: JWT email extraction); it is required
 * on every route that reads or changes a family's data, so nobody reaches another family's rows by
 * sending their `user_id`. `trustUserId` restores the seeds' looser contract (a bare `user_id` is taken
 * at its word) for scripts that predate tokens. Errors are `{"error": {"code", "message", "field"?}}`.
 */

import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { DreamFlowBackend } from './backend.ts';
import { bodyGuard } from './body-guard.ts';
import { DreamFlowError } from './errors.ts';
import type { KlaviyoWebhookReceiver } from './webhooks.ts';

export interface AppServerOptions {
  /**
   * Accept a bare `user_id` (body or query) with no bearer token, as the seeds' backend does. Off by
   * default: with it on, any caller can act as any family. `dreamflow-sim app --trust-user-id`.
   */
  trustUserId?: boolean;
  /** Receive Klaviyo's webhooks at `POST /webhooks/klaviyo` (src/app/webhooks.ts). */
  webhooks?: KlaviyoWebhookReceiver;
}

export function createAppServer(backend: DreamFlowBackend, options: AppServerOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  // Express's router would answer a non-origin-form target (`POST http://[bad/…`) with its HTML page;
  // such targets route as `/` and bodyGuard answers them in JSON (originalUrl keeps the raw text).
  type Handle = (req: Request, res: Response, cb?: unknown) => void;
  const withHandle = app as unknown as { handle: Handle };
  const handle = withHandle.handle.bind(app);
  withHandle.handle = (req, res, cb) => {
    if (!req.url.startsWith('/')) {
      req.originalUrl = req.url;
      req.url = '/';
    }
    handle(req, res, cb);
  };
  app.use(bodyGuard);
  // Before the JSON parser: the signature is over the raw body bytes.
  const webhooks = options.webhooks;
  if (webhooks)
    app.post('/webhooks/klaviyo', express.raw({ type: () => true, limit: '5mb' }), (req, res, next) => {
      webhooks
        .handle(req.headers, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))
        .then((a) => {
          res.status(a.status).json(a.body);
        })
        .catch(next);
    });
  app.use(express.json({ limit: '1mb', type: () => true }));

  type Handler = (req: Request, res: Response) => Promise<void>;
  const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) =>
    fn(req, res).catch(next);

  /** The body (or query) with `user_id` taken from a bearer token when one is sent. */
  async function withUser(req: Request, source: Record<string, unknown>): Promise<Record<string, unknown>> {
    const header = req.get('authorization');
    if (!header) {
      if (options.trustUserId) return source;
      throw new DreamFlowError(
        401,
        'auth_required',
        'Send "Authorization: Bearer <access_token>" (the token POST /api/v1/auth/signup returns, or a Supabase session\'s). ' +
          'A bare user_id is accepted only when the app runs with --trust-user-id.',
      );
    }
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m)
      throw new DreamFlowError(
        401,
        'invalid_token',
        'Authorization must be "Bearer <Supabase access token>".',
      );
    const userId = await backend.userFromToken(m[1]!.trim());
    if (source.user_id !== undefined && source.user_id !== userId) {
      throw new DreamFlowError(
        403,
        'user_mismatch',
        'user_id does not match the bearer token’s user.',
        'user_id',
      );
    }
    return { ...source, user_id: userId };
  }

  const body = (req: Request): Record<string, unknown> =>
    req.body && typeof req.body === 'object' && !Array.isArray(req.body)
      ? (req.body as Record<string, unknown>)
      : {};

  app.post(
    '/api/v1/auth/signup',
    route(async (req, res) => {
      res.status(201).json(await backend.signup(body(req) as never));
    }),
  );
  app.post(
    '/api/v1/story',
    route(async (req, res) => {
      res.status(200).json(await backend.generateStory((await withUser(req, body(req))) as never));
    }),
  );
  app.post(
    '/api/v1/subscriptions',
    route(async (req, res) => {
      res.status(201).json(await backend.subscribe((await withUser(req, body(req))) as never));
    }),
  );
  app.post(
    '/api/v1/subscriptions/cancel',
    route(async (req, res) => {
      res.status(200).json(await backend.cancelSubscription((await withUser(req, body(req))) as never));
    }),
  );
  app.patch(
    '/api/v1/profile',
    route(async (req, res) => {
      res.status(200).json(await backend.updateProfile((await withUser(req, body(req))) as never));
    }),
  );
  app.post(
    '/api/v1/stories/:id/completion',
    route(async (req, res) => {
      const input = body(req);
      // The story is the path's; a body naming another one is a mistake worth a clear 400.
      if (input.story_id !== undefined && input.story_id !== req.params.id)
        throw new DreamFlowError(
          400,
          'invalid_request',
          'story_id: the body names another story than the path; leave story_id out of the body.',
          'story_id',
        );
      const withStory = { ...input, story_id: req.params.id };
      res.status(200).json(await backend.completeStory((await withUser(req, withStory)) as never));
    }),
  );
  /** GET routes: the user from `?user_id=` or the bearer token; '' when neither (the backend says 400). */
  const queryUser = async (req: Request): Promise<string> => {
    const q = await withUser(
      req,
      typeof req.query.user_id === 'string' ? { user_id: req.query.user_id } : {},
    );
    return String(q.user_id ?? '');
  };
  app.get(
    '/api/v1/recommendations',
    route(async (req, res) => {
      res.status(200).json(await backend.recommendations(await queryUser(req)));
    }),
  );
  app.get(
    '/api/v1/insights',
    route(async (req, res) => {
      const userId = await queryUser(req);
      if (!userId) throw new DreamFlowError(400, 'invalid_request', 'user_id: required', 'user_id');
      res.status(200).json(await backend.insights(userId));
    }),
  );
  app.get('/api/v1/demo/klaviyo-integration', (_req, res) => {
    res.json(backend.klaviyoIntegrationStatus());
  });
  app.get('/api/v1/demo/mcp-status', (_req, res) => {
    res.json(backend.mcpStatus());
  });
  app.get(
    '/api/v1/health',
    route(async (_req, res) => {
      res.json(await backend.health());
    }),
  );

  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json(
        new DreamFlowError(
          404,
          'not_found',
          `No route ${req.method} ${req.path}; see docs/integration.md for the API.`,
        ).toJSON(),
      );
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as Error & { status?: number; type?: string };
    if (err instanceof DreamFlowError) {
      res.status(err.status).json(err.toJSON());
    } else if (e?.type === 'entity.parse.failed') {
      res
        .status(400)
        .json(
          new DreamFlowError(400, 'invalid_json', `Body is not valid JSON: ${e.message}`, '(body)').toJSON(),
        );
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json(new DreamFlowError(e.status, 'invalid_request', e.message).toJSON());
    } else {
      res
        .status(500)
        .json(
          new DreamFlowError(500, 'internal_error', `Internal error: ${e?.message ?? String(err)}`).toJSON(),
        );
    }
  });
  return app;
}
