/**
 * Templates through the official SDK, over HTTP: code and drag-and-drop templates, filters, update,
 * clone, delete, and rendering the Django subset with a profile's data; broken templates answer 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignApis, renderBody, templateBody } from '../../../../test/klaviyo/campaign-helpers.ts';
import { profileBody, sdkError, startChecked } from '../../../../test/klaviyo/helpers.ts';
import { useKlaviyoContract } from '../../../../test/support/klaviyo-contract.ts';

const contract = useKlaviyoContract();

const WELCOME = [
  '<p>Hi {{ person.first_name|default:"friend" }},</p>',
  '{% if person.plan == "premium" %}<p>Thanks for going premium.</p>',
  '{% elif person.plan %}<p>You are on {{ person.plan }}.</p>',
  '{% else %}<p>Try premium.</p>{% endif %}',
  '<ul>{% for s in stories %}<li>{{ s.title }}</li>{% empty %}<li>none yet</li>{% endfor %}</ul>',
  '<p>Since {{ person.created|date:"F j, Y" }}{{ missing.value }}</p>',
].join('');

describe('templates over HTTP', () => {
  let server: Awaited<ReturnType<typeof startChecked>>;
  beforeAll(async () => {
    server = await startChecked(contract);
  });
  afterAll(async () => {
    await server.close();
  });

  it('renders a code template with a profile read through the API', async () => {
    const api = campaignApis('pk_templates_render', server.url);
    const created = await api.templates.createTemplate(
      templateBody({ name: 'Welcome', html: WELCOME, text: 'Hi {{ first_name }}' }),
    );
    expect(created.response.status).toBe(201);
    const id = created.response.data.data.id;
    expect(created.response.data.data.attributes).toMatchObject({ name: 'Welcome', editor_type: 'CODE' });

    const p = await api.profiles.createProfile(
      profileBody({ email: 'ada@df.test', first_name: 'Ada', properties: { plan: 'free' } }),
    );
    const a = p.response.data.data.attributes;
    const person = { first_name: a.first_name, plan: 'free', created: '2026-03-05T10:00:00+00:00' };
    const r = await api.templates.renderTemplate(
      renderBody(id, { person, first_name: a.first_name, stories: [{ title: 'The Moon Fox' }] }),
    );
    expect(r.response.status).toBe(201);
    expect(r.response.data.data.attributes.html).toBe(
      '<p>Hi Ada,</p><p>You are on free.</p><ul><li>The Moon Fox</li></ul><p>Since March 5, 2026</p>',
    );
    expect(r.response.data.data.attributes.text).toBe('Hi Ada');

    // Nothing in the context: missing values print nothing, `default` and `empty` take over.
    const bare = await api.templates.renderTemplate(renderBody(id, {}));
    expect(bare.response.data.data.attributes.html).toBe(
      '<p>Hi friend,</p><p>Try premium.</p><ul><li>none yet</li></ul><p>Since </p>',
    );
  });

  it('refuses templates that do not compile, and unknown ids', async () => {
    const api = campaignApis('pk_templates_bad', server.url);
    const bad = await sdkError(api.templates.createTemplate(templateBody({ name: 'Bad', html: '{% if %}' })));
    expect(bad.status).toBe(400);
    expect(bad.data.errors[0].source.pointer).toBe('/data/attributes/html');
    const unknownFilter = await sdkError(
      api.templates.createTemplate(templateBody({ name: 'Bad', html: '{{ a|shout }}' })),
    );
    expect(unknownFilter.status).toBe(400);
    expect((await sdkError(api.templates.getTemplate('nope00'))).status).toBe(404);
    expect((await sdkError(api.templates.renderTemplate(renderBody('nope00', {})))).status).toBe(404);
    // Parses, so it is saved, but cannot render: templates never read files.
    const include = (
      await api.templates.createTemplate(templateBody({ name: 'Include', html: "{% include 'footer' %}" }))
    ).response.data.data.id;
    const renderError = await sdkError(api.templates.renderTemplate(renderBody(include, {})));
    expect(renderError.status).toBe(400);
    expect(renderError.data.errors[0]).toMatchObject({ code: 'invalid', source: { pointer: '/data/id' } });
    expect(renderError.data.errors[0].detail).toMatch(/^Unable to render the template/);
    const noHtml = await sdkError(api.templates.createTemplate(templateBody({ name: 'Empty' })));
    expect(noHtml.data.errors[0].source.pointer).toBe('/data/attributes/html');
    const editor = await sdkError(
      api.templates.createTemplate(templateBody({ name: 'X', html: 'x', editorType: 'WYSIWYG' })),
    );
    expect(editor.data.errors[0].source.pointer).toBe('/data/attributes/editor_type');
  });

  it('keeps drag-and-drop definitions and builds their HTML', async () => {
    const api = campaignApis('pk_templates_dnd', server.url);
    const block = (content: string) => ({
      contentType: 'block',
      type: 'text',
      data: { content, displayOptions: {}, styles: {} },
    });
    const definition = {
      body: {
        properties: {},
        styles: { backgroundColor: '#ffffff' },
        sections: [
          {
            contentType: 'section',
            type: 'section',
            data: { properties: {}, displayOptions: {}, styles: {} },
            rows: [{ data: { styles: {} }, columns: [{ blocks: [block('Hello {{ first_name }}')] }] }],
          },
        ],
      },
      styles: [],
    };
    const created = await api.templates.createTemplate({
      data: { type: 'template', attributes: { name: 'DnD', editorType: 'SYSTEM_DRAGGABLE', definition } },
    } as any);
    const id = created.response.data.data.id;
    expect(created.response.data.data.attributes.html).toContain('<div>Hello {{ first_name }}</div>');
    const withDef = await api.templates.getTemplate(id, { additionalFieldsTemplate: ['definition'] });
    expect((withDef.response.data.data.attributes as any).definition.body.sections).toHaveLength(1);
    const r = await api.templates.renderTemplate(renderBody(id, { first_name: 'Bo' }));
    expect(r.response.data.data.attributes.html).toContain('<div>Hello Bo</div>');
  });

  it('lists with filters and sorts, updates, clones and deletes', async () => {
    const api = campaignApis('pk_templates_crud', server.url);
    const ids: string[] = [];
    for (const name of ['Alpha', 'Beta', 'Gamma']) {
      ids.push(
        (await api.templates.createTemplate(templateBody({ name, html: `<p>${name}</p>` }))).response.data
          .data.id,
      );
    }
    const byName = await api.templates.getTemplates({ filter: 'contains(name,"a")', sort: '-name' });
    expect(byName.response.data.data.map((t: any) => t.attributes.name)).toEqual(['Gamma', 'Beta', 'Alpha']);
    const one = await api.templates.getTemplates({ filter: `equals(id,"${ids[1]}")` });
    expect(one.response.data.data.map((t: any) => t.id)).toEqual([ids[1]]);
    const badFilter = await sdkError(api.templates.getTemplates({ filter: 'equals(html,"x")' }));
    expect(badFilter.data.errors[0].source.parameter).toBe('filter');

    const updated = await api.templates.updateTemplate(ids[0]!, {
      data: { type: 'template', id: ids[0], attributes: { name: 'Alpha 2', html: '<p>{{ x }}</p>' } },
    } as any);
    expect(updated.response.data.data.attributes).toMatchObject({ name: 'Alpha 2', html: '<p>{{ x }}</p>' });

    const clone = await api.templates.cloneTemplate({ data: { type: 'template', id: ids[0] } } as any);
    expect(clone.response.status).toBe(201);
    expect(clone.response.data.data.id).not.toBe(ids[0]);
    expect(clone.response.data.data.attributes).toMatchObject({
      name: 'Clone of Alpha 2',
      html: '<p>{{ x }}</p>',
    });

    expect((await api.templates.deleteTemplate(ids[2]!)).response.status).toBe(204);
    expect((await sdkError(api.templates.getTemplate(ids[2]!))).status).toBe(404);
    expect(contract.validated).toBeGreaterThan(10);
  });
});
