/**
 * Templates API: create (code or drag-and-drop), read (one, many), update, delete, clone, render.
 * Sources are checked when saved, so a template that could never render is refused with a 400 then,
 * and render answers 400 for a syntax error as Klaviyo does.
 */
import { z } from 'zod';
import { type Ctx, type Handler, parseBody, reply } from '../../core/context.ts';
import { invalidBody, KlaviyoError, requireSameId } from '../../jsonapi/errors.ts';
import { compileFilter, type FieldSpec, parseFilter } from '../../jsonapi/filter.ts';
import { collectionQuery, pageLinks } from '../../jsonapi/pagination.ts';
import { fieldsParam, listParam } from '../../jsonapi/query.ts';
import {
  definitionHtml,
  requireTemplate,
  TEMPLATE_FIELDS,
  type TemplateView,
  templateAttributes,
  templateResource,
} from './model.ts';
import { checkTemplate, renderTemplate, TemplateSyntaxError } from './render.ts';
import { type TemplateRow, TemplatesRepo } from './repo.ts';

/** "An account can create at most 1,000 templates through the API" (create_template's description). */
export const MAX_TEMPLATES = 1000;
const EDITOR_TYPES = ['CODE', 'USER_DRAGGABLE', 'SYSTEM_DRAGGABLE'] as const;

const definitionSchema = z.object({ body: z.record(z.string(), z.unknown()) }).passthrough();
const contentShape = {
  html: z.string().nullable().optional(),
  text: z.string().nullable().optional(),
  amp: z.string().nullable().optional(),
  definition: definitionSchema.nullable().optional(),
};

const createSchema = z.object({
  data: z.object({
    type: z.literal('template'),
    attributes: z.object({ name: z.string().min(1), editor_type: z.enum(EDITOR_TYPES), ...contentShape }),
  }),
});

const updateSchema = z.object({
  data: z.object({
    type: z.literal('template'),
    id: z.string(),
    attributes: z.object({ name: z.string().min(1).nullable().optional(), ...contentShape }),
  }),
});

const cloneSchema = z.object({
  data: z.object({
    type: z.literal('template'),
    id: z.string().min(1),
    attributes: z.object({ name: z.string().min(1).nullable().optional() }).optional(),
  }),
});

const renderSchema = z.object({
  data: z.object({
    type: z.literal('template'),
    id: z.string().min(1),
    attributes: z.object({ context: z.record(z.string(), z.unknown()) }),
  }),
});

const DATE_OPS = ['equals', 'greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'];
const TEMPLATE_FILTERS: Record<string, FieldSpec> = {
  id: { column: 'id', type: 'string', ops: ['any', 'equals'] },
  name: { column: 'name', type: 'string', ops: ['any', 'equals', 'contains'] },
  created: { column: 'created', type: 'datetime', ops: DATE_OPS },
  updated: { column: 'updated', type: 'datetime', ops: DATE_OPS },
};
const SORTS: Record<string, string> = { created: 'created', id: 'id', name: 'name', updated: 'updated' };

function view(ctx: Ctx): TemplateView {
  const fields = fieldsParam(ctx.req, 'template', TEMPLATE_FIELDS);
  return { fields, definition: listParam(ctx.req, 'additional-fields[template]', ['definition']).length > 0 };
}

function single(ctx: Ctx, status: number, row: TemplateRow, v: TemplateView) {
  const data = templateResource(ctx, row, v);
  return reply(status, { data, links: { self: data.links.self } });
}

/** Every source of a template must parse; the first that does not is the 400's pointer. */
function checkSources(row: Pick<TemplateRow, 'html' | 'text' | 'amp'>): void {
  for (const key of ['html', 'text', 'amp'] as const) {
    const source = row[key];
    if (source === null) continue;
    try {
      checkTemplate(source);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      throw invalidBody(`/data/attributes/${key}`, `The template's ${key} does not compile: ${err.message}`);
    }
  }
}

function requireRoom(ctx: Ctx): void {
  if (ctx.store.repo(TemplatesRepo).count(ctx.account) >= MAX_TEMPLATES) {
    throw invalidBody(
      '/data',
      `This account already has ${MAX_TEMPLATES} templates, the most that can be created through the API.`,
    );
  }
}

export const createTemplate: Handler = (ctx) => {
  const v = view(ctx);
  const a = parseBody(ctx, createSchema).data.attributes;
  const dnd = a.editor_type === 'SYSTEM_DRAGGABLE';
  if (a.definition && !dnd) {
    throw invalidBody(
      '/data/attributes/definition',
      'A definition is only accepted with editor_type SYSTEM_DRAGGABLE.',
    );
  }
  if (dnd ? !a.definition && !a.html : !a.html) {
    const pointer = dnd ? '/data/attributes/definition' : '/data/attributes/html';
    throw invalidBody(pointer, dnd ? 'A SYSTEM_DRAGGABLE template needs a definition.' : 'html is required.');
  }
  requireRoom(ctx);
  const now = ctx.clock.now();
  const row = {
    account: ctx.account,
    id: ctx.ids.shortId(),
    name: a.name,
    editor_type: a.editor_type,
    html: a.html ?? definitionHtml(a.definition),
    text: a.text ?? null,
    amp: a.amp ?? null,
    definition: a.definition ? JSON.stringify(a.definition) : null,
    created: now,
    updated: now,
  };
  checkSources(row);
  return single(ctx, 201, ctx.store.repo(TemplatesRepo).insert(row), v);
};

export const getTemplate: Handler = (ctx) =>
  single(ctx, 200, requireTemplate(ctx, ctx.params.id!), view(ctx));

export const getTemplates: Handler = (ctx) => {
  const v = view(ctx);
  const filterText = ctx.req.query.get('filter');
  const filter = filterText
    ? compileFilter(parseFilter(filterText), TEMPLATE_FILTERS, 'template')
    : { where: [], params: [] };
  const page = ctx.store
    .repo(TemplatesRepo)
    .list(collectionQuery(ctx.req, ctx.account, filter, SORTS, { def: 10, max: 10 }));
  return reply(200, {
    data: page.rows.map((r) => templateResource(ctx, r, v)),
    links: pageLinks(ctx.req, page),
  });
};

export const updateTemplate: Handler = (ctx) => {
  const v = view(ctx);
  const body = parseBody(ctx, updateSchema);
  requireSameId(body.data.id, ctx.params.id);
  const row = requireTemplate(ctx, ctx.params.id!);
  const a = body.data.attributes;
  if (a.definition && row.editor_type !== 'SYSTEM_DRAGGABLE') {
    throw invalidBody(
      '/data/attributes/definition',
      `A ${row.editor_type} template has no definition to update.`,
    );
  }
  if (a.name) row.name = a.name;
  if (a.definition) {
    row.definition = JSON.stringify(a.definition);
    row.html = a.html ?? definitionHtml(a.definition);
  } else if (a.html) row.html = a.html;
  if (a.text !== undefined) row.text = a.text;
  if (a.amp !== undefined) row.amp = a.amp;
  checkSources(row);
  row.updated = ctx.clock.now();
  ctx.store.repo(TemplatesRepo).update(row);
  return single(ctx, 200, row, v);
};

export const deleteTemplate: Handler = (ctx) => {
  ctx.store.repo(TemplatesRepo).delete(requireTemplate(ctx, ctx.params.id!));
  return { status: 204, headers: {}, body: null };
};

export const cloneTemplate: Handler = (ctx) => {
  const v = view(ctx);
  const body = parseBody(ctx, cloneSchema).data;
  const source = requireTemplate(ctx, body.id);
  requireRoom(ctx);
  const now = ctx.clock.now();
  const { seq: _seq, ...rest } = source;
  const row = ctx.store.repo(TemplatesRepo).insert({
    ...rest,
    account: ctx.account,
    id: ctx.ids.shortId(),
    // Klaviyo names an unnamed clone after its source.
    name: body.attributes?.name ?? `Clone of ${source.name}`,
    created: now,
    updated: now,
  });
  return single(ctx, 201, row, v);
};

export const renderTemplateHandler: Handler = (ctx) => {
  const fields = fieldsParam(ctx.req, 'template', [
    'amp',
    'created',
    'editor_type',
    'html',
    'name',
    'text',
    'updated',
  ]);
  const body = parseBody(ctx, renderSchema).data;
  const row = requireTemplate(ctx, body.id);
  const context = body.attributes.context;
  const render = (source: string | null) => {
    if (source === null) return null;
    try {
      return renderTemplate(source, context);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      throw new KlaviyoError(400, 'invalid', `Unable to render the template: ${err.message}`, {
        source: { pointer: '/data/id' },
      });
    }
  };
  const attributes = templateAttributes({
    ...row,
    html: render(row.html) ?? '',
    text: render(row.text),
    amp: render(row.amp),
  });
  const data = {
    type: 'template',
    id: row.id,
    attributes: fields
      ? Object.fromEntries(Object.entries(attributes).filter(([k]) => fields.includes(k)))
      : attributes,
    links: { self: `${ctx.req.url.origin}/api/templates/${row.id}/` },
  };
  return reply(201, { data, links: { self: data.links.self } });
};
