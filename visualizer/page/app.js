// sipstate's live visualizer: a plain browser ES module, no build step.
//
// It reads the server's WebSocket (/events): frames are JSON arrays of inspection messages
// ('actor', 'snapshot', 'event', 'stopped'), and the server's own 'definition' (each machine
// definition once per connection, which 'actor' messages name by `definitionRef`) and 'resync'
// (start over: the live actors are replayed next). Messages update a model at once; the DOM is
// updated at most once per animation frame, from what changed.
//
// Stable hooks for tests: tree nodes carry data-actor-id and data-kind (class "stopped" once
// stopped, "selected" when selected); the chart's state nodes carry data-state-path (a dot path,
// "connected.hold.local.held") and class "active" while active; #status reads
// connected/disconnected.
//
// The pure parts (activePaths, stateSummary, eventLabel, buildGraph, layoutDefinition,
// renderChart) are exported so a test can run them in the page.

const HISTORY_LIMIT = 200; // snapshots kept per actor, for stepping back and forth
const EVENT_LIMIT = 300; // events kept per actor
const REMOVE_AFTER_MS = 4000; // a stopped actor leaves the tree this long after it stopped
const RECONNECT_MS = 1000;

/** Groups of the tree, in order: each actor without a (known) owner sits at the root of one. */
const GROUPS = [
  { name: 'application', test: (k) => /application/i.test(k) },
  { name: 'accounts', test: (k) => /account|registration|subscription|publication|xcap/i.test(k) },
  { name: 'sessions', test: (k) => /session|dialog|conference|transfer/i.test(k) },
  { name: 'transactions', test: (k) => /transaction|^n?i[cs]t$/i.test(k) },
  { name: 'streams', test: (k) => /stream|media|msrp|rtp/i.test(k) },
  { name: 'other', test: () => true },
];
const groupOf = (kind) => GROUPS.find((g) => g.test(String(kind))).name;

// ---------------------------------------------------------------------------------------------
// Pure helpers

/** A SIP message as a one-line summary that opens to the full text. */
function sipDetails({ summary, text }) {
  const d = document.createElement('details');
  d.className = 'sip';
  const s = document.createElement('summary');
  s.className = 'sip-summary';
  s.textContent = summary;
  const pre = document.createElement('pre');
  pre.className = 'sip-text';
  pre.textContent = text;
  d.append(s, pre);
  return d;
}

/** Every active state's dot path, from a snapshot value ('idle', { outgoing: 'calling' }, ...). */
export function activePaths(value) {
  const out = new Set();
  const walk = (v, prefix) => {
    if (typeof v === 'string') {
      out.add(prefix ? `${prefix}.${v}` : v);
    } else if (v && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        walk(c, p);
      }
    }
  };
  walk(value, '');
  return out;
}

/** A short one-line form of a value: 'connected.[proposal.none, hold.[local.unheld, remote.unheld]]'. */
export function stateSummary(value) {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return value === undefined ? '' : JSON.stringify(value);
  const parts = Object.entries(value).map(([k, c]) => {
    const rest = stateSummary(c);
    return rest ? `${k}.${rest}` : k;
  });
  return parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
}

/** An event type as an edge label: 'xstate.after.T1.ist.completed' → 'after T1'. */
export function eventLabel(type) {
  if (type === '' || type === undefined || type === null) return 'always';
  let m = /^xstate\.after\.(.+?)\.[^.]*(?:\..*)?$/.exec(type);
  if (m) return `after ${m[1]}`;
  m = /^xstate\.done\.state\./.exec(type);
  if (m) return 'done';
  m = /^xstate\.done\.actor\.(.+)$/.exec(type);
  if (m) return `done: ${m[1]}`;
  m = /^xstate\.error\.actor\.(.+)$/.exec(type);
  if (m) return `error: ${m[1]}`;
  return type;
}

function guardName(guard) {
  if (!guard) return '';
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && typeof guard.type === 'string') return guard.type;
  return 'guard';
}

let measureCtx;
/** Text width in px for the chart's 12px font (a rough estimate where there is no canvas). */
function textWidth(text, px = 12) {
  if (measureCtx === undefined) {
    measureCtx = null;
    try {
      if (typeof document !== 'undefined') {
        measureCtx = document.createElement('canvas').getContext('2d');
      }
    } catch {
      measureCtx = null;
    }
  }
  if (measureCtx) {
    measureCtx.font = `${px}px system-ui, sans-serif`;
    return Math.ceil(measureCtx.measureText(text).width);
  }
  return Math.ceil(text.length * px * 0.6);
}

const LINE = 14; // edge label line height
const elkId = (path) => (path === '' ? 'm:' : `s:${path}`);

/**
 * An ELK graph for a machine definition (machine.toJSON()): the machine and every state as nested
 * nodes, each transition with a target as an edge labelled with its event (and guard); transitions
 * between the same two states share an edge. Initial states get a small dot pointing at them.
 */
export function buildGraph(definition) {
  const idToPath = new Map();
  const info = new Map(); // elk id → { path, type, label, internal: [labels of targetless transitions] }
  const walk = (node, path) => {
    idToPath.set(node.id, path);
    for (const [k, c] of Object.entries(node.states ?? {})) walk(c, path ? `${path}.${k}` : k);
  };
  walk(definition, '');
  const targetPath = (t) => {
    if (typeof t !== 'string') return undefined;
    return idToPath.get(t.startsWith('#') ? t.slice(1) : t);
  };

  const spacing = {
    'elk.direction': 'RIGHT',
    'elk.spacing.nodeNode': '18',
    'elk.layered.spacing.nodeNodeBetweenLayers': '36',
    'elk.spacing.edgeLabel': '3',
    'elk.spacing.edgeNode': '10',
    'elk.layered.spacing.edgeNodeBetweenLayers': '10',
  };
  const edges = new Map(); // 'src>tgt' → { source, target, lines: [], events: Set }
  const addEdge = (source, target, line, eventType) => {
    const key = `${source}>${target}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { source, target, lines: [], events: new Set() }));
    if (line !== null && !e.lines.includes(line)) e.lines.push(line);
    if (eventType !== null) e.events.add(eventType);
  };

  const transitionsOf = (s) => {
    const list = Array.isArray(s.transitions) ? [...s.transitions] : Object.values(s.on ?? {}).flat();
    for (const t of Array.isArray(s.always) ? s.always : []) list.push({ ...t, eventType: t.eventType ?? '' });
    return list;
  };

  const makeNode = (s, path) => {
    const children = Object.entries(s.states ?? {});
    const label = path === '' ? String(s.id ?? s.key ?? 'machine') : String(s.key);
    const id = elkId(path);
    const meta = { path, type: s.type ?? (children.length ? 'compound' : 'atomic'), label, internal: [] };
    info.set(id, meta);
    for (const t of transitionsOf(s)) {
      const line = eventLabel(t.eventType) + (t.guard ? ` [${guardName(t.guard)}]` : '');
      const targets = (t.target ?? []).map(targetPath).filter((p) => p !== undefined);
      if (targets.length === 0) meta.internal.push(line);
      for (const tp of targets) addEdge(id, elkId(tp), line, t.eventType ?? '');
    }
    const labelW = textWidth(label, path === '' ? 13 : 12);
    if (children.length === 0) {
      return { id, width: Math.max(56, labelW + 24), height: 30 };
    }
    const kids = children.map(([k, c]) => makeNode(c, path ? `${path}.${k}` : k));
    const initial = s.initial?.target?.map(targetPath).filter((p) => p !== undefined) ?? [];
    if (meta.type !== 'parallel' && initial.length === 1) {
      const dot = `i:${path}`;
      info.set(dot, { path: null, type: 'initial', label: '', internal: [] });
      kids.unshift({ id: dot, width: 10, height: 10 });
      addEdge(dot, elkId(initial[0]), null, null);
    }
    return {
      id,
      children: kids,
      layoutOptions: {
        ...spacing,
        'elk.padding': '[top=30,left=12,bottom=12,right=12]',
        'elk.nodeSize.constraints': '[MINIMUM_SIZE]',
        'elk.nodeSize.minimum': `(${labelW + 30}, 50)`,
      },
    };
  };

  const machine = makeNode(definition, '');
  let n = 0;
  const elkEdges = [...edges.values()].map((e) => {
    const lines = e.lines;
    const labels = lines.length
      ? [{ text: lines.join('\n'), width: Math.max(...lines.map((l) => textWidth(l, 11))) + 4, height: LINE * lines.length }]
      : [];
    return { id: `e${n++}`, sources: [e.source], targets: [e.target], labels, events: [...e.events] };
  });
  const graph = {
    id: 'graph',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      ...spacing,
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: [machine],
    edges: elkEdges,
  };
  return { graph, info };
}

/** Lays out a definition with elkjs (the ELK constructor defaults to the page's global). */
export async function layoutDefinition(definition, ELKClass = globalThis.ELK) {
  if (!ELKClass) throw new Error('elkjs is not loaded');
  const { graph, info } = buildGraph(definition);
  const laid = await new ELKClass().layout(graph);
  return { laid, info };
}

const SVG = 'http://www.w3.org/2000/svg';
function svgEl(name, attrs = {}, parent) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (parent) parent.appendChild(el);
  return el;
}

/** The SVG of a laid-out definition; state groups carry data-state-path, edges data-source/target. */
export function renderChart({ laid, info }) {
  const W = Math.ceil(laid.width ?? 0);
  const H = Math.ceil(laid.height ?? 0);
  const svg = svgEl('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
  const defs = svgEl('defs', {}, svg);
  const marker = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  svgEl('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, marker);

  const abs = new Map([['graph', { x: 0, y: 0 }]]);
  const nodesLayer = svgEl('g', { class: 'nodes' }, svg);
  const edgesLayer = svgEl('g', { class: 'edges' }, svg);
  const drawNode = (node, ox, oy, parentType) => {
    const x = ox + (node.x ?? 0);
    const y = oy + (node.y ?? 0);
    abs.set(node.id, { x, y });
    const meta = info.get(node.id);
    if (meta?.type === 'initial') {
      svgEl('circle', { cx: x + node.width / 2, cy: y + node.height / 2, r: node.width / 2, class: 'initial' }, nodesLayer);
      return;
    }
    const compound = (node.children?.length ?? 0) > 0;
    const classes = ['state', meta?.type ?? 'atomic'];
    if (meta?.path === '') classes.push('machine');
    if (parentType === 'parallel') classes.push('region');
    const g = svgEl('g', { class: classes.join(' ') }, nodesLayer);
    if (meta && meta.path !== '') g.setAttribute('data-state-path', meta.path);
    const title = svgEl('title', {}, g);
    title.textContent = [meta?.path || meta?.label, ...(meta?.internal ?? []).map((l) => `  ${l} (no target)`)].join('\n');
    svgEl('rect', { x, y, width: node.width, height: node.height, rx: compound ? 8 : 6, class: 'box' }, g);
    if (meta?.type === 'final') svgEl('rect', { x: x + 3, y: y + 3, width: node.width - 6, height: node.height - 6, rx: 4, class: 'inner' }, g);
    const t = svgEl('text', compound ? { x: x + 10, y: y + 19, class: 'label compound-label' } : { x: x + node.width / 2, y: y + node.height / 2 + 4, class: 'label', 'text-anchor': 'middle' }, g);
    t.textContent = meta?.label ?? node.id;
    for (const c of node.children ?? []) drawNode(c, x, y, meta?.type);
  };
  for (const c of laid.children ?? []) drawNode(c, 0, 0, null);

  for (const e of laid.edges ?? []) {
    const o = abs.get(e.container ?? 'graph') ?? { x: 0, y: 0 };
    const src = info.get(e.sources[0]);
    const tgt = info.get(e.targets[0]);
    const g = svgEl('g', { class: src?.type === 'initial' ? 'edge initial-edge' : 'edge' }, edgesLayer);
    if (src?.path != null) g.setAttribute('data-source', src.path);
    if (tgt?.path != null) g.setAttribute('data-target', tgt.path);
    g.setAttribute('data-events', (e.events ?? []).join(' '));
    for (const s of e.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${(o.x + p.x).toFixed(1)},${(o.y + p.y).toFixed(1)}`).join(' ');
      svgEl('path', { d, class: 'wire', 'marker-end': 'url(#arrow)' }, g);
    }
    for (const l of e.labels ?? []) {
      const lines = String(l.text).split('\n');
      const text = svgEl('text', { class: 'edge-label', x: o.x + (l.x ?? 0) + 2, y: o.y + (l.y ?? 0) + 11 }, g);
      lines.forEach((line, i) => {
        const span = svgEl('tspan', { x: o.x + (l.x ?? 0) + 2, dy: i ? LINE : 0 }, text);
        span.textContent = line;
      });
    }
  }
  return svg;
}

// ---------------------------------------------------------------------------------------------
// The page

if (typeof document !== 'undefined' && document.getElementById('tree')) boot();

function boot() {
  const $ = (id) => document.getElementById(id);
  const ui = {
    status: $('status'),
    counts: $('counts'),
    filter: $('filter'),
    tree: $('tree'),
    title: $('selected-title'),
    selStatus: $('selected-status'),
    pause: $('pause'),
    back: $('back'),
    forward: $('forward'),
    position: $('position'),
    zoom: $('zoom'),
    chart: $('chart'),
    context: $('context'),
    events: $('events'),
  };

  /** id → actor model: { id, kind, owner, definition, value, context, status, stoppedAt, history, events, lastEvent } */
  let actors = new Map();
  /** The model before the last resync: an actor replayed after it keeps its history. */
  let previous = new Map();
  let seq = 0;
  /** Definitions by the server's number (valid for one connection). */
  let definitions = new Map();
  const dirty = new Set(); // tree nodes to create, update or remove
  let detailDirty = false;
  let selected = null; // the selected actor's model (kept after it leaves the tree)
  let viewSeq = null; // the history entry shown; null: the newest (live)
  let paused = false;
  let filterText = '';

  // ---- model --------------------------------------------------------------------------------

  const record = (a, entry) => {
    a.history.push(entry);
    if (a.history.length > HISTORY_LIMIT) a.history.splice(0, a.history.length - HISTORY_LIMIT);
  };
  const recordEvent = (a, e) => {
    a.events.push(e);
    if (a.events.length > EVENT_LIMIT) a.events.splice(0, a.events.length - EVENT_LIMIT);
  };

  function handle(m) {
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'definition':
        definitions.set(m.ref, m.definition);
        break;
      case 'actor': {
        // announced again (a resync, a reconnection): it keeps its history; a new actor reusing
        // the id of a stopped one starts afresh
        let old = actors.get(m.id) ?? previous.get(m.id);
        previous.delete(m.id);
        if (old && old.stoppedAt !== null) old = undefined;
        const a = {
          id: String(m.id),
          kind: String(m.kind ?? 'actor'),
          owner: m.owner == null ? null : String(m.owner),
          definition: m.definitionRef !== undefined ? (definitions.get(m.definitionRef) ?? null) : m.definition,
          value: m.value,
          context: m.context,
          status: m.status ?? 'active',
          stoppedAt: m.status === 'stopped' || m.status === 'done' || m.status === 'error' ? Date.now() : null,
          history: old?.history ?? [],
          events: old?.events ?? [],
          lastEvent: null,
          // the server sends each definition once and refers to it by number
          layoutKey: m.definitionRef !== undefined ? `ref:${m.definitionRef}` : undefined,
        };
        actors.set(a.id, a);
        record(a, { seq: ++seq, value: m.value, context: m.context, status: a.status, at: m.at, event: null });
        dirty.add(a.id);
        if (selected && selected.id === a.id) {
          selected = a;
          detailDirty = true;
        }
        break;
      }
      case 'snapshot': {
        const a = actors.get(m.id);
        if (!a) return;
        a.value = m.value;
        a.context = m.context;
        if (m.status) a.status = a.stoppedAt ? a.status : m.status;
        record(a, { seq: ++seq, value: m.value, context: m.context, status: m.status, at: m.at, event: a.lastEvent });
        a.lastEvent = null;
        dirty.add(a.id);
        if (a === selected) detailDirty = true;
        break;
      }
      case 'event': {
        const type = m.event && typeof m.event.type === 'string' ? m.event.type : '?';
        const target = actors.get(m.id);
        const s = ++seq;
        if (target) {
          recordEvent(target, { seq: s, at: m.at, dir: 'in', type, event: m.event, peer: m.source ?? null });
          target.lastEvent = type;
          if (target === selected) detailDirty = true;
        }
        const source = m.source != null && m.source !== m.id ? actors.get(m.source) : undefined;
        if (source) {
          recordEvent(source, { seq: s, at: m.at, dir: 'out', type, event: m.event, peer: m.id });
          if (source === selected) detailDirty = true;
        }
        break;
      }
      case 'stopped': {
        const a = actors.get(m.id);
        if (!a) return;
        a.status = 'stopped';
        a.stoppedAt = Date.now();
        dirty.add(a.id);
        if (a === selected) detailDirty = true;
        break;
      }
      case 'resync':
        reset();
        break;
      default:
        break;
    }
  }

  /** Start over (a new connection or a resync): the server replays the live actors next. */
  function reset() {
    previous = actors;
    actors = new Map();
    for (const id of previous.keys()) dirty.add(id);
    detailDirty = true;
  }

  // ---- tree ---------------------------------------------------------------------------------

  const nodes = new Map(); // id → { li, row, value, children (ul), owner, kind }
  const waiting = new Map(); // owner id → ids of tree nodes at the root until that owner shows up
  const groups = new Map();
  for (const g of GROUPS) {
    const section = document.createElement('section');
    section.className = 'group';
    section.dataset.group = g.name;
    const h = document.createElement('h3');
    const name = document.createElement('span');
    name.textContent = g.name;
    const count = document.createElement('span');
    count.className = 'group-count';
    h.append(name, count);
    const ul = document.createElement('ul');
    ul.className = 'children';
    section.append(h, ul);
    section.hidden = true;
    ui.tree.appendChild(section);
    groups.set(g.name, { section, ul, count });
  }

  const rootListOf = (kind) => groups.get(groupOf(kind)).ul;

  function createNode(a) {
    const li = document.createElement('li');
    li.className = 'node';
    const row = document.createElement('div');
    row.className = 'row';
    row.dataset.actorId = a.id;
    row.dataset.kind = a.kind;
    row.tabIndex = 0;
    row.setAttribute('role', 'treeitem');
    const kind = document.createElement('span');
    kind.className = `kind k-${groupOf(a.kind)}`;
    kind.textContent = a.kind;
    const id = document.createElement('span');
    id.className = 'id';
    id.textContent = a.id;
    id.title = a.id;
    const value = document.createElement('span');
    value.className = 'value';
    row.append(kind, id, value);
    const children = document.createElement('ul');
    children.className = 'children';
    li.append(row, children);
    const n = { li, row, value, children, owner: a.owner, kind: a.kind };
    nodes.set(a.id, n);
    const ownerNode = a.owner !== null ? nodes.get(a.owner) : undefined;
    (ownerNode ? ownerNode.children : rootListOf(a.kind)).appendChild(li);
    if (a.owner !== null && !ownerNode) wait(a.owner, a.id);
    // actors that arrived before their owner move under it now
    for (const cid of waiting.get(a.id) ?? []) {
      const c = nodes.get(cid);
      if (c && c.owner === a.id) children.appendChild(c.li);
    }
    waiting.delete(a.id);
    if (selected && selected.id === a.id) row.classList.add('selected');
    return n;
  }

  function wait(owner, id) {
    let set = waiting.get(owner);
    if (!set) waiting.set(owner, (set = new Set()));
    set.add(id);
  }

  function removeNode(id) {
    const n = nodes.get(id);
    if (!n) return;
    // anything still under it goes back to the root of its group (and back under it if it returns)
    for (const li of [...n.children.children]) {
      const cid = li.querySelector(':scope > .row')?.dataset.actorId;
      const c = cid !== undefined ? nodes.get(cid) : undefined;
      if (c) {
        rootListOf(c.kind).appendChild(li);
        wait(id, cid);
      }
    }
    if (n.owner !== null) waiting.get(n.owner)?.delete(id);
    n.li.remove();
    nodes.delete(id);
  }

  function renderTree() {
    for (const id of dirty) {
      const a = actors.get(id);
      let n = nodes.get(id);
      if (!a) {
        removeNode(id);
        continue;
      }
      if (n && (n.owner !== a.owner || n.kind !== a.kind)) {
        removeNode(id);
        n = undefined;
      }
      n ??= createNode(a);
      n.value.textContent = a.stoppedAt ? `${stateSummary(a.value)} · ${a.status}` : stateSummary(a.value);
      n.row.classList.toggle('stopped', a.stoppedAt !== null);
      n.row.dataset.status = a.status;
    }
    const changed = dirty.size > 0;
    dirty.clear();
    if (changed) {
      renderCounts();
      if (filterText) applyFilter();
    }
  }

  function renderCounts() {
    const perKind = new Map();
    const perGroup = new Map();
    for (const a of actors.values()) {
      if (a.stoppedAt !== null) continue;
      perKind.set(a.kind, (perKind.get(a.kind) ?? 0) + 1);
      const g = groupOf(a.kind);
      perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
    }
    ui.counts.replaceChildren(
      ...[...perKind.entries()]
        .sort((x, y) => GROUPS.findIndex((g) => g.name === groupOf(x[0])) - GROUPS.findIndex((g) => g.name === groupOf(y[0])) || x[0].localeCompare(y[0]))
        .map(([kind, count]) => {
          const s = document.createElement('span');
          s.className = 'count';
          s.dataset.countKind = kind;
          s.textContent = `${kind} `;
          const b = document.createElement('b');
          b.textContent = String(count);
          s.appendChild(b);
          return s;
        }),
    );
    for (const [name, g] of groups) {
      g.count.textContent = String(perGroup.get(name) ?? 0);
      g.section.hidden = g.ul.children.length === 0;
    }
  }

  function matches(id) {
    const a = actors.get(id);
    if (!a) return false;
    return `${a.id} ${a.kind} ${stateSummary(a.value)} ${a.status}`.toLowerCase().includes(filterText);
  }

  /** Shows the nodes that match the filter and their owners; hides the rest. */
  function applyFilter() {
    const visit = (li) => {
      let any = false;
      for (const child of li.querySelector(':scope > ul')?.children ?? []) any = visit(child) || any;
      const id = li.querySelector(':scope > .row')?.dataset.actorId;
      const show = !filterText || any || matches(id);
      li.hidden = !show;
      return show;
    };
    for (const g of groups.values()) {
      let any = false;
      for (const li of g.ul.children) any = visit(li) || any;
      g.section.hidden = g.ul.children.length === 0 || (!!filterText && !any);
    }
  }

  // ---- detail: chart, context, events -------------------------------------------------------

  const layouts = new Map(); // definition JSON → Promise<{ laid, info }>
  let chartFor = null; // { actorId, key, svg, edges } of what #chart shows
  let shownEntrySeq = null;
  let shownEventsFor = null;
  let shownEventSeq = 0;
  const openState = new Map(); // JSON path → open? (the context tree's folds, kept across updates)

  function entryShown(a) {
    if (!a || a.history.length === 0) return null;
    if (viewSeq === null) return a.history[a.history.length - 1];
    return a.history.find((e) => e.seq >= viewSeq) ?? a.history[a.history.length - 1];
  }

  function renderDetail() {
    const a = selected;
    if (!a) {
      ui.title.textContent = 'select an actor on the left';
      ui.selStatus.textContent = '';
      ui.position.textContent = 'live';
      return;
    }
    const entry = entryShown(a);
    ui.title.textContent = `${a.kind} ${a.id}`;
    const live = actors.get(a.id) === a;
    ui.selStatus.textContent = a.stoppedAt !== null ? `${a.status}${live ? '' : ' (gone)'}` : a.status;
    ui.selStatus.className = a.stoppedAt !== null ? 'stopped' : '';
    const index = entry ? a.history.indexOf(entry) : -1;
    ui.position.textContent = viewSeq === null && !paused ? `live · ${a.history.length}` : `${index + 1} / ${a.history.length}`;
    ui.position.title = entry ? `snapshot at ${clock(entry.at)}${entry.event ? ` after ${entry.event}` : ''}` : '';
    renderChartFor(a, entry);
    if (entry && entry.seq !== shownEntrySeq) {
      shownEntrySeq = entry.seq;
      ui.context.replaceChildren(jsonTree(entry.context, '$', 0));
    }
    renderEvents(a, entry);
  }

  function renderChartFor(a, entry) {
    if (!a.definition || typeof a.definition !== 'object' || !a.definition.states) {
      if (chartFor?.actorId !== a.id) {
        chartFor = { actorId: a.id, key: null, svg: null };
        note(ui.chart, `${a.kind} ${a.id} is not a state machine: no chart.`);
      }
      return;
    }
    a.layoutKey ??= JSON.stringify(a.definition);
    if (chartFor?.actorId !== a.id || chartFor.key !== a.layoutKey) {
      const key = a.layoutKey;
      chartFor = { actorId: a.id, key, svg: null };
      note(ui.chart, 'laying out…');
      let p = layouts.get(key);
      if (!p) layouts.set(key, (p = layoutDefinition(a.definition)));
      p.then(
        (layout) => {
          if (chartFor?.actorId !== a.id || chartFor.key !== key) return;
          chartFor.svg = renderChart(layout);
          chartFor.states = [...chartFor.svg.querySelectorAll('[data-state-path]')];
          chartFor.edges = [...chartFor.svg.querySelectorAll('.edge[data-source]')];
          ui.chart.replaceChildren(chartFor.svg);
          paintActive(entryShown(selected));
          zoom.attach(chartFor.svg, layout.laid.width, layout.laid.height);
        },
        (err) => {
          layouts.delete(key);
          if (chartFor?.actorId === a.id) note(ui.chart, `layout failed: ${err?.message ?? err}`);
        },
      );
      return;
    }
    if (chartFor.svg) paintActive(entry);
  }

  function paintActive(entry) {
    if (!chartFor?.svg || !entry || !selected) return;
    const active = activePaths(entry.value);
    for (const g of chartFor.states) g.classList.toggle('active', active.has(g.getAttribute('data-state-path')));
    // the transition just taken: from a state active in the snapshot before to one active now,
    // on the event that led to this snapshot
    const index = selected.history.indexOf(entry);
    const before = index > 0 ? activePaths(selected.history[index - 1].value) : new Set();
    for (const e of chartFor.edges) {
      const taken =
        !!entry.event &&
        before.has(e.getAttribute('data-source')) &&
        active.has(e.getAttribute('data-target')) &&
        (e.getAttribute('data-events') ?? '').split(' ').includes(entry.event);
      e.classList.toggle('taken', taken);
    }
  }

  function note(container, text) {
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = text;
    container.replaceChildren(p);
  }

  const clock = (at) => (typeof at === 'number' ? new Date(at).toISOString().slice(11, 23) : '');

  /** SIP messages inside an event: { summary, text } objects, at any depth up to 3. */
  function sipParts(value, depth = 0, out = []) {
    if (!value || typeof value !== 'object' || depth > 3) return out;
    if (typeof value.summary === 'string' && typeof value.text === 'string') {
      out.push(value);
      return out;
    }
    for (const v of Array.isArray(value) ? value : Object.values(value)) sipParts(v, depth + 1, out);
    return out;
  }

  function eventItem(e) {
    const li = document.createElement('li');
    li.className = `event ${e.dir}`;
    li.dataset.seq = String(e.seq);
    li.dataset.eventType = e.type;
    const head = document.createElement('div');
    head.className = 'event-head';
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = clock(e.at);
    const type = document.createElement('span');
    type.className = 'type';
    type.textContent = e.type;
    const peer = document.createElement('span');
    peer.className = 'peer';
    peer.textContent = e.dir === 'out' ? `→ ${e.peer}` : e.peer ? `← ${e.peer}` : '';
    head.append(time, type, peer);
    li.appendChild(head);
    const sips = sipParts(e.event);
    for (const sip of sips) li.appendChild(sipDetails(sip));
    const rest = Object.keys(e.event ?? {}).filter((k) => k !== 'type');
    if (rest.length && sips.length === 0) {
      const d = document.createElement('details');
      d.className = 'payload';
      const s = document.createElement('summary');
      s.textContent = rest.join(', ');
      const pre = document.createElement('pre');
      pre.textContent = safeJson(e.event);
      d.append(s, pre);
      li.appendChild(d);
    }
    return li;
  }

  function renderEvents(a, entry) {
    const live = viewSeq === null && !paused;
    const key = live ? 'live' : String(entry?.seq ?? 0);
    if (shownEventsFor !== a || ui.events.dataset.upTo !== key) {
      // a full redraw: another actor, or a past snapshot (the events up to it)
      shownEventsFor = a;
      ui.events.dataset.upTo = key;
      const upTo = live || !entry ? Infinity : entry.seq;
      ui.events.replaceChildren(...a.events.filter((e) => e.seq <= upTo).reverse().map(eventItem));
      shownEventSeq = a.events.at(-1)?.seq ?? 0;
      return;
    }
    if (!live) return;
    const fresh = a.events.filter((e) => e.seq > shownEventSeq);
    if (fresh.length === 0) return;
    shownEventSeq = fresh[fresh.length - 1].seq;
    for (const e of fresh) ui.events.prepend(eventItem(e));
    while (ui.events.children.length > EVENT_LIMIT) ui.events.lastElementChild.remove();
  }

  function safeJson(v) {
    try {
      return JSON.stringify(v, null, 2);
    } catch {
      return String(v);
    }
  }

  /** A collapsible JSON tree; folds are remembered by path across snapshots. */
  function jsonTree(value, path, depth) {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'string' && (value.length > 120 || value.includes('\n'))) {
        const d = document.createElement('details');
        d.className = 'json-long';
        fold(d, path, false);
        const s = document.createElement('summary');
        s.className = 'json-string';
        s.textContent = JSON.stringify(value.split('\n', 1)[0].slice(0, 100)) + ' …';
        const pre = document.createElement('pre');
        pre.textContent = value;
        d.append(s, pre);
        return d;
      }
      const span = document.createElement('span');
      span.className = `json-${value === null ? 'null' : typeof value}`;
      span.textContent = value === undefined ? 'undefined' : JSON.stringify(value);
      return span;
    }
    if (typeof value.summary === 'string' && typeof value.text === 'string' && Object.keys(value).length === 2) {
      const d = sipDetails(value);
      fold(d, path, false);
      return d;
    }
    const isArray = Array.isArray(value);
    const entries = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    const d = document.createElement('details');
    d.className = 'json-node';
    fold(d, path, depth < 2);
    const s = document.createElement('summary');
    s.textContent = isArray ? `[${entries.length}]` : `{${entries.length}}`;
    d.appendChild(s);
    const body = document.createElement('div');
    body.className = 'json-entries';
    for (const [k, v] of entries.slice(0, 200)) {
      const row = document.createElement('div');
      row.className = 'json-entry';
      const key = document.createElement('span');
      key.className = 'json-key';
      key.textContent = `${k}: `;
      row.append(key, jsonTree(v, `${path}.${k}`, depth + 1));
      body.appendChild(row);
    }
    if (entries.length > 200) {
      const more = document.createElement('div');
      more.className = 'json-more';
      more.textContent = `… ${entries.length - 200} more`;
      body.appendChild(more);
    }
    d.appendChild(body);
    return d;
  }

  function fold(details, path, openByDefault) {
    details.open = openState.get(path) ?? openByDefault;
    details.addEventListener('toggle', () => openState.set(path, details.open));
  }

  // ---- pan and zoom: the wheel zooms around the pointer, dragging pans ---------------------

  const zoom = (() => {
    let svg = null;
    let full = { x: 0, y: 0, w: 1, h: 1 };
    let view = full;
    let fitted = true;
    const apply = () => svg?.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
    const label = () => (ui.zoom.textContent = fitted ? '1:1' : 'fit');
    /** Where the client point (px) falls in chart units. */
    const toChart = (cx, cy) => {
      const m = svg.getScreenCTM();
      if (!m) return { x: view.x, y: view.y, k: 1 };
      const p = new DOMPoint(cx, cy).matrixTransform(m.inverse());
      return { x: p.x, y: p.y, k: m.a };
    };
    const fit = () => {
      view = { ...full };
      fitted = true;
      apply();
      label();
    };
    /** Full size, centred on the active states. */
    const actual = () => {
      const r = ui.chart.getBoundingClientRect();
      const boxes = [...svg.querySelectorAll('.state.active:not(.machine) > .box')].map((b) => b.getBBox());
      let cx = full.w / 2;
      let cy = full.h / 2;
      if (boxes.length) {
        const x0 = Math.min(...boxes.map((b) => b.x));
        const y0 = Math.min(...boxes.map((b) => b.y));
        const x1 = Math.max(...boxes.map((b) => b.x + b.width));
        const y1 = Math.max(...boxes.map((b) => b.y + b.height));
        cx = (x0 + x1) / 2;
        cy = (y0 + y1) / 2;
      }
      view = { x: cx - r.width / 2, y: cy - r.height / 2, w: r.width, h: r.height };
      fitted = false;
      apply();
      label();
    };
    ui.chart.addEventListener(
      'wheel',
      (ev) => {
        if (!svg) return;
        ev.preventDefault();
        const p = toChart(ev.clientX, ev.clientY);
        const f = Math.min(4, Math.max(0.25, Math.exp(ev.deltaY * 0.0015)));
        const w = Math.min(full.w * 4, Math.max(40, view.w * f));
        const k = w / view.w;
        view = { x: p.x - (p.x - view.x) * k, y: p.y - (p.y - view.y) * k, w, h: view.h * k };
        fitted = false;
        apply();
        label();
      },
      { passive: false },
    );
    let drag = null;
    ui.chart.addEventListener('pointerdown', (ev) => {
      if (!svg || ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, view: { ...view }, k: toChart(ev.clientX, ev.clientY).k || 1 };
      ui.chart.setPointerCapture(ev.pointerId);
      ui.chart.classList.add('dragging');
    });
    ui.chart.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      view = { ...drag.view, x: drag.view.x - (ev.clientX - drag.x) / drag.k, y: drag.view.y - (ev.clientY - drag.y) / drag.k };
      fitted = false;
      apply();
      label();
    });
    const end = () => {
      drag = null;
      ui.chart.classList.remove('dragging');
    };
    ui.chart.addEventListener('pointerup', end);
    ui.chart.addEventListener('pointercancel', end);
    ui.chart.addEventListener('dblclick', () => svg && (fitted ? actual() : fit()));
    return {
      attach(el, width, height) {
        svg = el;
        svg.setAttribute('width', '100%');
        svg.setAttribute('height', '100%');
        full = { x: 0, y: 0, w: Math.max(1, width), h: Math.max(1, height) };
        fit();
      },
      toggle() {
        if (svg) fitted ? actual() : fit();
      },
    };
  })();

  // ---- rendering loop -----------------------------------------------------------------------

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
    setTimeout(render, 100); // whichever comes first: rAF is throttled in hidden tabs
  }

  function render() {
    if (!scheduled) return;
    scheduled = false;
    if (paused) return; // messages keep being recorded; the view waits
    renderTree();
    if (detailDirty) {
      detailDirty = false;
      renderDetail();
    }
  }

  function select(id) {
    const a = actors.get(id);
    if (!a) return;
    for (const row of ui.tree.querySelectorAll('.row.selected')) row.classList.remove('selected');
    nodes.get(id)?.row.classList.add('selected');
    selected = a;
    viewSeq = paused ? (a.history.at(-1)?.seq ?? null) : null;
    shownEntrySeq = null;
    shownEventsFor = null;
    openState.clear();
    renderDetail();
  }

  function step(delta) {
    const a = selected;
    if (!a || a.history.length === 0) return;
    const current = entryShown(a);
    let i = a.history.indexOf(current) + delta;
    i = Math.max(0, Math.min(a.history.length - 1, i));
    if (!paused && delta > 0 && i === a.history.length - 1) viewSeq = null;
    else viewSeq = a.history[i].seq;
    renderDetail();
  }

  function setPaused(p) {
    paused = p;
    ui.pause.textContent = paused ? 'resume' : 'pause';
    ui.pause.classList.toggle('on', paused);
    document.body.classList.toggle('paused', paused);
    if (paused) {
      if (selected && viewSeq === null) viewSeq = selected.history.at(-1)?.seq ?? null;
    } else {
      viewSeq = null;
      detailDirty = true;
      scheduled = true;
      render();
    }
    renderDetail();
  }

  // ---- wiring -------------------------------------------------------------------------------

  ui.tree.addEventListener('click', (ev) => {
    const row = ev.target.closest?.('.row[data-actor-id]');
    if (row) select(row.dataset.actorId);
  });
  ui.tree.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    const row = ev.target.closest?.('.row[data-actor-id]');
    if (row) {
      ev.preventDefault();
      select(row.dataset.actorId);
    }
  });
  ui.filter.addEventListener('input', () => {
    filterText = ui.filter.value.trim().toLowerCase();
    applyFilter();
  });
  ui.pause.addEventListener('click', () => setPaused(!paused));
  ui.back.addEventListener('click', () => step(-1));
  ui.forward.addEventListener('click', () => step(1));
  ui.zoom.addEventListener('click', () => zoom.toggle());
  document.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement) return;
    if (ev.key === 'ArrowLeft') step(-1);
    else if (ev.key === 'ArrowRight') step(1);
    else if (ev.key === 'p') setPaused(!paused);
  });

  // stopped actors leave the tree a few seconds later (not while paused: the view is frozen)
  setInterval(() => {
    if (paused) return;
    const now = Date.now();
    let any = false;
    for (const [id, a] of actors) {
      if (a.stoppedAt !== null && now - a.stoppedAt > REMOVE_AFTER_MS) {
        actors.delete(id);
        dirty.add(id);
        any = true;
      }
    }
    if (any) schedule();
  }, 500);

  function setStatus(text) {
    ui.status.textContent = text;
    ui.status.className = text;
  }

  function connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events`);
    ws.addEventListener('open', () => {
      reset(); // the server replays every live actor first
      definitions = new Map(); // its numbers for definitions start over
      layouts.clear();
      chartFor = null;
      setStatus('connected');
      schedule();
    });
    ws.addEventListener('message', (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (Array.isArray(data)) for (const m of data) handle(m);
      else handle(data);
      schedule();
    });
    ws.addEventListener('close', () => {
      setStatus('disconnected');
      setTimeout(connect, RECONNECT_MS);
    });
  }

  // for tests and the console
  globalThis.sipstateVisualizer = {
    get actors() {
      return actors;
    },
    select,
    setPaused,
    step,
  };

  connect();
}
