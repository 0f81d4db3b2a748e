/**
 * Template rules shared with other groups: the resource as Klaviyo serialises it, `requireTemplate`,
 * the HTML a drag-and-drop definition stands for, and the render context of a profile (campaigns
 * render each recipient's subject with it).
 */
import type { Ctx } from '../../core/context.ts';
import { notFound } from '../../jsonapi/errors.ts';
import { isoTime, pickFields, type ResourceObject } from '../../jsonapi/serialize.ts';
import type { ProfileRow } from '../profiles/repo.ts';
import { type TemplateRow, TemplatesRepo } from './repo.ts';

export const TEMPLATE_FIELDS = [
  'name',
  'editor_type',
  'html',
  'text',
  'amp',
  'created',
  'updated',
  'definition',
] as const;

export function requireTemplate(ctx: Ctx, id: string): TemplateRow {
  const row = ctx.store.repo(TemplatesRepo).byId(ctx.account, id);
  if (!row) throw notFound(`A template with id ${id} does not exist.`);
  return row;
}

export interface TemplateView {
  fields: string[] | null;
  /** `additional-fields[template]=definition`. */
  definition: boolean;
}

/** The template attributes every response shape shares (render and campaign-message copies too). */
export function templateAttributes(
  row: Pick<TemplateRow, 'name' | 'editor_type' | 'html' | 'text' | 'amp' | 'created' | 'updated'>,
): Record<string, unknown> {
  return {
    name: row.name,
    editor_type: row.editor_type,
    html: row.html,
    text: row.text,
    amp: row.amp,
    created: isoTime(row.created),
    updated: isoTime(row.updated),
  };
}

export function templateResource(ctx: Ctx, row: TemplateRow, view: TemplateView): ResourceObject {
  const attributes = templateAttributes(row);
  if ((view.definition || view.fields?.some((f) => f.startsWith('definition'))) && row.definition)
    attributes.definition = JSON.parse(row.definition);
  return {
    type: 'template',
    id: row.id,
    attributes: pickFields(attributes, view.fields),
    links: { self: `${ctx.req.url.origin}/api/templates/${row.id}/` },
  };
}

/**
 * The HTML of a drag-and-drop definition: the text and HTML blocks' content, in order. Klaviyo lays
 * blocks out in tables with the definition's styles; the mock keeps only what the reader sees.
 */
export function definitionHtml(definition: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const data = o.data as Record<string, unknown> | undefined;
    if (o.content_type === 'block' && (o.type === 'text' || o.type === 'html')) {
      if (typeof data?.content === 'string') parts.push(`<div>${data.content}</div>`);
      return;
    }
    for (const key of ['body', 'sections', 'rows', 'columns', 'blocks']) walk(o[key]);
  };
  walk(definition);
  return `<html><body>${parts.join('\n')}</body></html>`;
}

/**
 * What `{{ person.first_name }}`, `{{ first_name }}` and `{{ person|lookup:'Plan' }}` read for a profile:
 * Klaviyo's profile variables under `person`, the same at the top level, custom properties merged in.
 */
export function profileContext(p: ProfileRow): Record<string, unknown> {
  const attrs = JSON.parse(p.attrs) as Record<string, unknown>;
  const props = JSON.parse(p.properties) as Record<string, unknown>;
  const person = {
    ...props,
    ...attrs,
    email: p.email,
    phone_number: p.phone_number,
    external_id: p.external_id,
    id: p.id,
  };
  return { ...person, person };
}
