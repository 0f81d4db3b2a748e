// The inspector page: reads the mock's JSON admin routes and draws tables. No framework, no build step;
// the logic lives in the mocks' admin modules (mocks/klaviyo/inspector, mocks/supabase/inspector.ts,
// mocks/shared/journal-query.ts), this file only fetches and renders.
// Known limitations: live updates poll (every 2 s, slower when the mock is slow to answer; no SSE); a
// view redraws only when its JSON changed.

const POLL_MS = 2000;
const state = {
  service: '',
  tab: '',
  account: '',
  search: '',
  profileId: '',
  table: '',
  reqFilter: {},
  seq: null,
};
let lastJson = '';
const $ = (sel) => document.querySelector(sel);

// Beyond loopback the admin API wants a bearer token: pass it once as #token=… in the URL.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
async function api(path, init = {}) {
  const headers = {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const res = await fetch(`/__admin/${path}`, { ...init, headers });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status} on ${path}`);
  return body;
}

/** h('td', {class: 'num'}, 'text', child…): text is always set as text, never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

function table(id, columns, rows, rowAttrs = () => ({})) {
  return h(
    'table',
    { id },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map(([label]) => h('th', {}, label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          rowAttrs(r),
          columns.map(([, get, cls]) => {
            const v = get(r);
            return h('td', { class: cls }, v instanceof Node ? v : fmt(v));
          }),
        ),
      ),
    ),
  );
}

const fmt = (v) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
const qs = (params) =>
  new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined));

/** Bars of event counts per bucket (the series the admin route computed). */
function sparkline(series) {
  const w = 240;
  const hgt = 28;
  const max = Math.max(1, ...series.map((s) => s.count));
  // At most 12 px a bar: one bucket of data is a bar, not the whole width.
  const bw = Math.min(12, Math.max(1, Math.floor(w / Math.max(series.length, 1)) - 1));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', w);
  svg.setAttribute('height', hgt);
  series.forEach((s, i) => {
    const r = document.createElementNS(ns, 'rect');
    const bh = Math.max(1, Math.round((s.count / max) * hgt));
    r.setAttribute('x', i * (bw + 1));
    r.setAttribute('y', hgt - bh);
    r.setAttribute('width', bw);
    r.setAttribute('height', bh);
    const t = document.createElementNS(ns, 'title');
    t.textContent = `${s.t}: ${s.count}`;
    r.append(t);
    svg.append(r);
  });
  return svg;
}

// ---- views: each returns the JSON it drew from (to skip redraws) and a render function ----

const views = {
  async metrics() {
    const data = await api(`inspector/metrics?${qs({ account: state.account })}`);
    return [
      data,
      () => [
        h('h2', {}, `Metrics (events per ${data.bucketMs >= 86_400_000 ? 'day' : 'hour'}, UTC)`),
        table(
          'metrics',
          [
            ['Metric', (m) => m.name],
            ['Events', (m) => m.count, 'num count'],
            ['Over time', (m) => sparkline(m.series)],
            ['Id', (m) => m.id],
          ],
          data.metrics,
          (m) => ({ 'data-metric': m.name, 'data-id': m.id }),
        ),
      ],
    ];
  },

  async profiles() {
    const list = await api(`inspector/profiles?${qs({ account: state.account, search: state.search })}`);
    const detail = state.profileId
      ? await api(`inspector/profile?${qs({ account: state.account, id: state.profileId })}`).catch(
          () => null,
        )
      : null;
    return [
      { list, detail },
      () => {
        const search = h('input', {
          id: 'profile-search',
          type: 'search',
          placeholder: 'email, external id or profile id',
          value: state.search,
          // Kept as typed, so a live redraw in between does not wipe it; applied on Enter / blur.
          oninput: (e) => {
            state.search = e.target.value.trim();
          },
          onchange: (e) => {
            state.search = e.target.value.trim();
            refresh(true);
          },
        });
        return [
          h(
            'div',
            { class: 'filters' },
            h('label', {}, 'Search ', search),
            h('span', { class: 'muted' }, `${list.profiles.length} shown`),
          ),
          h(
            'div',
            { class: 'split' },
            table(
              'profiles',
              [
                ['Email', (p) => p.email],
                ['Name', (p) => [p.first_name, p.last_name].filter(Boolean).join(' ')],
                ['Events', (p) => p.events, 'num'],
              ],
              list.profiles,
              (p) => ({
                class: `clickable${p.id === state.profileId ? ' selected' : ''}`,
                'data-id': p.id,
                'data-email': p.email,
                onclick: () => {
                  state.profileId = p.id;
                  refresh(true);
                },
              }),
            ),
            detail ? profileDetail(detail) : h('p', { class: 'muted' }, 'Choose a profile.'),
          ),
        ];
      },
    ];
  },

  async audiences() {
    const data = await api(`inspector/audiences?${qs({ account: state.account })}`);
    const block = (kind, rows) => [
      h('h2', {}, kind),
      table(
        kind.toLowerCase(),
        [
          ['Name', (r) => r.name],
          ['Members', (r) => r.member_count, 'num'],
          [
            'Newest members',
            (r) =>
              h(
                'span',
                { class: 'chips' },
                r.members.map((m) => h('span', {}, m.email ?? m.id)),
              ),
          ],
          ['Id', (r) => r.id],
        ],
        rows,
      ),
    ];
    return [data, () => [...block('Lists', data.lists), ...block('Segments', data.segments)]];
  },

  async messaging() {
    const data = await api(`inspector/messaging?${qs({ account: state.account })}`);
    const engagement = [
      ['Recipients', (r) => r.recipients, 'num'],
      ['Opens', (r) => r.opens, 'num'],
      ['Clicks', (r) => r.clicks, 'num'],
      ['Unsubscribes', (r) => r.unsubscribes, 'num'],
    ];
    return [
      data,
      () => [
        h('h2', {}, 'Campaigns'),
        table(
          'campaigns',
          [['Name', (c) => c.name], ['Status', (c) => c.status], ['Sent', (c) => c.send_time], ...engagement],
          data.campaigns,
        ),
        h('h2', {}, 'Flows'),
        table(
          'flows',
          [
            ['Name', (f) => f.name],
            ['Status', (f) => f.status],
            ['Trigger', (f) => f.trigger_type],
            ...engagement,
          ],
          data.flows,
        ),
      ],
    ];
  },

  async catalog() {
    const data = await api(`inspector/catalog?${qs({ account: state.account })}`);
    return [
      data,
      () => [
        h('h2', {}, 'Catalog items'),
        table(
          'catalog-items',
          [
            ['Title', (i) => i.title],
            ['SKU', (i) => i.sku],
            ['Price', (i) => i.price, 'num'],
            ['Variants', (i) => i.variants, 'num'],
            ['Published', (i) => (i.published ? 'yes' : 'no')],
            ['Id', (i) => i.id],
          ],
          data.items,
        ),
        h('h2', {}, 'Categories'),
        table(
          'catalog-categories',
          [
            ['Name', (c) => c.name],
            ['Items', (c) => c.items, 'num'],
            ['Id', (c) => c.id],
          ],
          data.categories,
        ),
      ],
    ];
  },

  async webhooks() {
    const data = await api(`inspector/webhooks?${qs({ account: state.account })}`);
    return [
      data,
      () => [
        h('h2', {}, 'Webhooks'),
        table(
          'webhooks',
          [
            ['Name', (w) => w.name],
            ['Endpoint', (w) => w.endpoint_url],
            ['Enabled', (w) => (w.enabled ? 'yes' : 'no')],
            ['Topics', (w) => w.topics],
          ],
          data.webhooks,
        ),
        h('h2', {}, 'Delivery attempts (newest first)'),
        table(
          'webhook-attempts',
          [
            ['Time', (a) => a.at],
            ['Webhook', (a) => a.webhook],
            ['Delivery', (a) => a.delivery],
            ['Attempt', (a) => a.attempt, 'num'],
            ['Events', (a) => a.events, 'num'],
            ['Status', (a) => a.status ?? a.error],
            ['Outcome', (a) => a.outcome],
          ],
          data.attempts,
        ),
      ],
    ];
  },

  async requests() {
    const f = state.reqFilter;
    const pattern = { limit: 300 };
    if (f.operation) pattern.operation = f.operation;
    if (f.status) pattern.status = /^\d+$/.test(f.status) ? Number(f.status) : f.status;
    if (f.fault === 'any') pattern.fault = true;
    else if (f.fault === 'none') pattern.fault = false;
    else if (f.fault) pattern.fault = f.fault;
    const found = await api('requests/find', { method: 'POST', body: JSON.stringify(pattern) });
    const rows = found.requests.slice().reverse();
    return [
      found,
      () => {
        const input = (id, key, placeholder) =>
          h('input', {
            id,
            placeholder,
            value: f[key] ?? '',
            oninput: (e) => {
              f[key] = e.target.value.trim();
            },
            onchange: (e) => {
              f[key] = e.target.value.trim();
              refresh(true);
            },
          });
        const fault = h(
          'select',
          {
            id: 'req-fault',
            onchange: (e) => {
              f.fault = e.target.value;
              refresh(true);
            },
          },
          [
            ['', 'any or none'],
            ['any', 'any fault (incl. latency)'],
            // The fault layer's labels (docs/faults.md): error:503, burst:429, outage:503, network:reset, latency.
            ['error:*', 'injected errors'],
            ['burst:*', '429 bursts'],
            ['outage:*', 'outages'],
            ['network:*', 'network faults'],
            ['none', 'no fault'],
          ].map(([v, l]) => h('option', { value: v, selected: (f.fault ?? '') === v }, l)),
        );
        const selected = rows.find((r) => r.seq === state.seq);
        return [
          h(
            'div',
            { class: 'filters' },
            h('label', {}, 'Operation ', input('req-operation', 'operation', 'create_event')),
            h('label', {}, 'Status ', input('req-status', 'status', '503 or 5xx')),
            h('label', {}, 'Fault ', fault),
            h('span', { class: 'muted' }, `${rows.length} shown (newest first)`),
          ),
          h(
            'div',
            { class: 'split' },
            table(
              'requests',
              [
                ['#', (r) => r.seq, 'num'],
                ['Time', (r) => new Date(r.at).toISOString().slice(11, 23)],
                ['Request', (r) => `${r.method} ${r.path}`],
                ['Operation', (r) => r.operation],
                ['Status', (r) => r.status ?? 'no answer', 'num status'],
                ['Fault', (r) => r.fault, 'fault'],
                ['ms', (r) => (r.latencyMs + r.injectedLatencyMs).toFixed(1), 'num'],
              ],
              rows,
              (r) => ({
                class: `clickable${r.fault ? ' faulted' : ''}${r.seq === state.seq ? ' selected' : ''}`,
                'data-seq': r.seq,
                'data-fault': r.fault ?? '',
                onclick: () => {
                  state.seq = r.seq;
                  refresh(true);
                },
              }),
            ),
            selected
              ? h(
                  'pre',
                  { id: 'request-detail' },
                  JSON.stringify({ ...selected, requestBody: tryJson(selected.requestBody) }, null, 2),
                )
              : h('p', { class: 'muted' }, 'Choose a request.'),
          ),
        ];
      },
    ];
  },

  async tables() {
    const tables = await api('inspector/tables');
    if (!state.table && tables.tables.length) state.table = tables.tables[0].name;
    const rows = state.table ? await api(`inspector/table?${qs({ name: state.table, limit: 100 })}`) : null;
    return [
      { tables, rows },
      () => [
        h(
          'div',
          { class: 'filters' },
          tables.tables.map((t) =>
            h(
              'button',
              {
                type: 'button',
                'data-table': t.name,
                class: t.name === state.table ? 'active' : undefined,
                onclick: () => {
                  state.table = t.name;
                  refresh(true);
                },
              },
              `${t.name} (${t.rows})`,
            ),
          ),
          h('span', { class: 'muted' }, 'read only'),
        ),
        rows
          ? withData(
              table(
                'table-rows',
                rows.columns.map((c) => [c, (r) => r[c]]),
                rows.rows,
              ),
              { table: rows.name },
            )
          : h('p', {}, 'No tables.'),
        rows ? h('p', { class: 'muted' }, `${rows.rows.length} of ${rows.total} rows`) : null,
      ],
    ];
  },
};

/** The element with `data-*` attributes set (which table a view shows, for scripts and tests). */
function withData(el, data) {
  Object.assign(el.dataset, data);
  return el;
}

function tryJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function profileDetail(p) {
  const kv = (obj) =>
    table(
      null,
      [
        ['Field', ([k]) => k],
        ['Value', ([, v]) => v],
      ],
      Object.entries(obj ?? {}).filter(([, v]) => v !== null && v !== undefined && v !== ''),
    );
  return h(
    'section',
    { id: 'profile' },
    h('h2', {}, p.email ?? p.external_id ?? p.id),
    h('p', { class: 'muted' }, `id ${p.id} · external id ${p.external_id ?? '–'} · created ${p.created}`),
    h('h2', {}, 'Attributes'),
    kv(p.attributes),
    h('h2', {}, 'Custom properties'),
    kv(p.properties),
    h('h2', {}, 'Consent'),
    p.consent.length
      ? table(
          'profile-consent',
          [
            ['Channel', (c) => c.channel],
            ['Consent', (c) => c.consent],
            ['Method', (c) => c.method],
            ['Updated', (c) => c.last_updated],
          ],
          p.consent,
        )
      : h('p', { class: 'muted' }, 'No consent recorded (never subscribed).'),
    h('h2', {}, 'Lists and segments'),
    h('p', { class: 'chips', id: 'profile-audiences' }, [
      ...p.lists.map((l) => h('span', {}, `list: ${l.name}`)),
      ...p.segments.map((s) => h('span', {}, `segment: ${s.name}`)),
    ]),
    h('h2', {}, `Event timeline (${p.events.total} events, newest first)`),
    table(
      'profile-events',
      [
        ['Time', (e) => e.datetime],
        ['Metric', (e) => e.metric, 'metric'],
        ['Value', (e) => e.value, 'num'],
        ['Properties', (e) => e.properties],
      ],
      p.events.newest,
      (e) => ({ 'data-metric': e.metric }),
    ),
  );
}

// ---- shell: tabs, account, fault switch, polling ----

const KLAVIYO_TABS = [
  ['metrics', 'Metrics'],
  ['profiles', 'Profiles'],
  ['audiences', 'Lists & segments'],
  ['messaging', 'Campaigns & flows'],
  ['catalog', 'Catalog'],
  ['webhooks', 'Webhooks'],
  ['requests', 'Requests'],
];
const SUPABASE_TABS = [
  ['tables', 'Tables'],
  ['requests', 'Requests'],
];

function showError(err) {
  const el = $('#error');
  el.hidden = !err;
  el.textContent = err ? String(err.message ?? err) : '';
}

let busy = false;
/** A forced refresh asked for while another was in flight (a click during a poll): run it after. */
let again = false;
async function refresh(force = false) {
  if (busy) {
    again ||= force;
    return;
  }
  busy = true;
  // What this refresh was asked for; a click meanwhile (another tab, a filter) makes its answer stale.
  const asked = JSON.stringify(state);
  try {
    // A fresh Klaviyo mock has no account until the first request with an API key: nothing to ask for.
    const empty = state.service === 'klaviyo' && !state.account && state.tab !== 'requests';
    const [data, render] = empty
      ? [
          { empty: true },
          () => [
            h(
              'p',
              { class: 'muted', id: 'no-data' },
              'No Klaviyo data yet: the first request with an API key creates its account.',
            ),
          ],
        ]
      : await views[state.tab]();
    const json = JSON.stringify(data);
    if (JSON.stringify(state) !== asked) {
      again = true;
    } else if (force || json !== lastJson) {
      lastJson = json;
      const focused = document.activeElement?.id;
      $('#view').replaceChildren(...render().flat());
      if (focused) document.getElementById(focused)?.focus();
      $('#view').dataset.loaded = state.tab;
    }
    showError(null);
  } catch (err) {
    showError(err);
  } finally {
    busy = false;
  }
  if (again) {
    again = false;
    await refresh(true);
  }
}

function selectTab(tab) {
  state.tab = tab;
  lastJson = '';
  for (const b of document.querySelectorAll('#tabs button'))
    b.classList.toggle('active', b.dataset.tab === tab);
  refresh(true);
}

async function loadAccounts() {
  if (state.service !== 'klaviyo') return;
  const { accounts } = await api('inspector/accounts');
  const sel = $('#account');
  const labels = accounts.map((a) => a.account);
  if (!state.account || !labels.includes(state.account)) state.account = labels[0] ?? '';
  const text = accounts.map((a) => `${a.account} · ${a.profiles} profiles · ${a.events} events`).join('|');
  if (sel.dataset.text !== text) {
    sel.dataset.text = text;
    sel.replaceChildren(
      ...accounts.map((a) =>
        h(
          'option',
          { value: a.account, selected: a.account === state.account },
          `${a.account} · ${a.profiles} profiles · ${a.events} events`,
        ),
      ),
    );
  }
}

/** The shipped profile names never change while the mock runs: asked for once. */
let faultProfiles;
async function loadFaults() {
  faultProfiles ??= api('faults/profiles').catch((err) => {
    faultProfiles = undefined;
    throw err;
  });
  const [current, { profiles }] = await Promise.all([api('faults'), faultProfiles]);
  // A mock started without a fault layer (the fake Supabase under `up`) has no switch to offer.
  const none = profiles.length === 0;
  for (const id of ['#fault-profile', '#fault-apply']) $(id).hidden = none;
  const sel = $('#fault-profile');
  if (!none && !sel.options.length) {
    sel.replaceChildren(
      ...profiles.map((p) => h('option', { value: p, selected: p === current.profile }, p)),
    );
  }
  $('#fault-current').textContent = none
    ? 'no fault layer'
    : `active: ${current.profile ?? current.source} · ${current.stats?.faulted ?? 0}/${current.stats?.requests ?? 0} faulted`;
  $('#fault-current').dataset.profile = current.profile ?? '';
}

async function tick() {
  try {
    const health = await api('health');
    $('#health').textContent = `${health.requests} requests`;
    await Promise.all([loadAccounts(), loadFaults()]);
    await refresh();
  } catch (err) {
    showError(err);
  }
}

async function main() {
  const health = await api('health');
  state.service = health.service;
  $('#service').textContent = health.service;
  document.title = `${health.service} · dreamflow-sim inspector`;
  const tabs = health.service === 'klaviyo' ? KLAVIYO_TABS : SUPABASE_TABS;
  $('#account-box').hidden = health.service !== 'klaviyo';
  $('#tabs').replaceChildren(
    ...tabs.map(([id, label]) =>
      h('button', { type: 'button', 'data-tab': id, onclick: () => selectTab(id) }, label),
    ),
  );
  $('#account').addEventListener('change', (e) => {
    state.account = e.target.value;
    state.profileId = '';
    refresh(true);
  });
  $('#fault-apply').addEventListener('click', async () => {
    try {
      await api('faults', { method: 'PUT', body: JSON.stringify({ profile: $('#fault-profile').value }) });
      await loadFaults();
    } catch (err) {
      showError(err);
    }
  });
  // The page stays usable if one of these fails (the error line says which).
  await Promise.all([loadAccounts(), loadFaults()]).catch(showError);
  selectTab(tabs[0][0]);
  // Poll again POLL_MS after the last answer, or ten times as long as the last round took: on a big
  // account (a million events) the views cost the mock real work, and a page left open must not hog it.
  const loop = async () => {
    const started = performance.now();
    if ($('#live').checked) await tick();
    setTimeout(loop, Math.max(POLL_MS, 10 * (performance.now() - started)));
  };
  setTimeout(loop, POLL_MS);
}

main().catch(showError);
