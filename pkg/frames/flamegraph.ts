// Flame graph format (preferred visualisation `flamegraph`, Grafana's flame graph panel): a
// nested set in depth-first order — level, value (total ns), self (ns), label — built
// from spans by merging identical call paths, so the graph is a profile of the range.
// A result that already has level/value/self/label columns is passed through.
import * as arrow from 'apache-arrow';

import { concatData, fixedData, VarBinaryBuilder } from './buffers';
import { describeColumns, findColumn, toField, type Column } from './columns';
import { FrameFormatError, type FrameField } from './model';
import type { Notes } from './notes';
import { SLICE_MASK, type Slicer } from './slicer';
import { findSpanColumns, readSpans, SPAN_NAMES } from './spans';

const UTF8 = new arrow.Utf8();
const INT32 = new arrow.Int32();
const INT64 = new arrow.Int64();

/** Label of the single level-0 node Grafana's flame graph expects (sum of the top-level calls). */
export const ROOT_LABEL = 'total';

interface PathNode {
  label: string;
  value: number;
  /** Made on the first child: most paths are leaves, and a Map each is garbage the collector must walk. */
  children: Map<string, PathNode> | undefined;
}

const NO_CHILDREN: ReadonlyMap<string, PathNode> = new Map();

function newNode(label: string): PathNode {
  return { label, value: 0, children: undefined };
}

function childrenOf(node: PathNode): ReadonlyMap<string, PathNode> {
  return node.children ?? NO_CHILDREN;
}

function child(parent: PathNode, label: string): PathNode {
  parent.children ??= new Map();
  let node = parent.children.get(label);
  if (!node) {
    node = newNode(label);
    parent.children.set(label, node);
  }
  return node;
}

/** Already aggregated (level, value, self, label): kept as is, checked for a single root. */
function aggregatedFields(columns: Column[], notes: Notes): FrameField[] | undefined {
  const level = findColumn(columns, ['level'], ['number']);
  const value = findColumn(columns, ['value'], ['number']);
  const self = findColumn(columns, ['self'], ['number']);
  const label = findColumn(columns, ['label'], ['string', 'enum']);
  if (!level || !value || !self || !label) {
    return undefined;
  }
  const levels = concatData(level.chunks);
  const at = (i: number) => Number((levels.values as ArrayLike<number | bigint>)[i]);
  let roots = 0;
  for (let i = 0; i < levels.length; i++) {
    if (at(i) === 0) {
      roots++;
    }
  }
  if (levels.length > 0 && (at(0) !== 0 || roots !== 1)) {
    notes.push({
      severity: 'warning',
      text: `Grafana's flame graph expects exactly one row at level 0, first (the root); this result has ${roots}, and its first row is at level ${at(0)}.`,
    });
  }
  return columns.map((c) => toField(c));
}

export async function flameGraphFields(columns: Column[], notes: Notes, slicer: Slicer): Promise<FrameField[]> {
  const aggregated = aggregatedFields(columns, notes);
  if (aggregated) {
    return aggregated;
  }
  const cols = findSpanColumns(columns);
  if (!cols.name || (!cols.duration && !(cols.begin && cols.end))) {
    const missing = [
      !cols.name && `span name (${SPAN_NAMES.name.join(' / ')})`,
      !cols.duration && !(cols.begin && cols.end) && `duration in ns, or begin and end times`,
    ].filter(Boolean);
    throw new FrameFormatError(
      `Flame graph format needs span name and duration (or begin and end) columns, with id and parent to nest the spans, ` +
        `or an aggregated result with level, value, self and label columns; missing: ${missing.join(', ')}. ` +
        `Found: ${describeColumns(columns)}. ` +
        `Select spans, e.g. SELECT id, parent, name, duration FROM view_instance('thread_spans', '<stream_id>'), or set the query's format to Table.`
    );
  }
  if (!cols.id || !cols.parent) {
    notes.push({
      severity: 'info',
      text: `No ${!cols.id ? 'id' : 'parent'} column: spans are not nested, every span name is shown directly under the root. Select id and parent to see call paths.`,
    });
  }
  const spans = await readSpans(cols, { needBegin: false, what: 'flame graph' }, notes, slicer);
  const n = spans.row.length;

  // Each span's call-path node, resolved parents first (walking up until a resolved span).
  const root = newNode(ROOT_LABEL);
  const nodeOf: Array<PathNode | undefined> = new Array(n);
  const state = new Uint8Array(n); // 0 new, 1 on the current walk, 2 resolved
  let cycles = 0;
  const chain: number[] = [];
  for (let k = 0; k < n; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    chain.length = 0;
    let at = k;
    while (at >= 0 && state[at] === 0) {
      state[at] = 1;
      chain.push(at);
      at = spans.parent[at];
    }
    let parent: PathNode = root;
    if (at >= 0 && state[at] === 1) {
      cycles++; // a parent loop: the span where it closes becomes top-level
    } else if (at >= 0) {
      parent = nodeOf[at]!;
    }
    for (let c = chain.length - 1; c >= 0; c--) {
      const s = chain[c];
      parent = child(parent, spans.name[s]);
      nodeOf[s] = parent;
      state[s] = 2;
    }
  }
  // In span order, so sums past 2^53 ns round as they always did; sliced too (the first sums past
  // a small integer change every node's field representation, which V8 migrates node by node).
  for (let k = 0; k < n; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    nodeOf[k]!.value += spans.durationNs[k];
  }
  if (cycles > 0) {
    notes.push({
      severity: 'warning',
      text: `${cycles} group(s) of spans are each other's parents (a loop in id/parent); each loop was cut and shown at the top level.`,
    });
  }

  // Totals bottom-up (children before parents, without recursion: paths can be deep):
  // a path's value covers its children, raised where the children exceed it.
  const order: PathNode[] = [];
  for (const stack = [root]; stack.length > 0;) {
    if ((order.length & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const node = stack.pop()!;
    order.push(node);
    stack.push(...childrenOf(node).values());
  }
  let raised = 0;
  for (let k = order.length - 1; k >= 0; k--) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const node = order[k];
    let sum = 0;
    for (const c of childrenOf(node).values()) {
      sum += c.value;
    }
    if (node === root) {
      node.value = sum;
    } else if (sum > node.value) {
      raised++;
      node.value = sum;
    }
  }
  if (raised > 0) {
    notes.push({
      severity: 'warning',
      text:
        `${raised} call path(s) have children that last longer than the path itself (overlapping or clock-skewed spans); ` +
        `their value was raised to the children's total and their self time is 0.`,
    });
  }

  // Depth-first, children by value descending (label as tie-break, for a stable layout).
  const count = n > 0 ? order.length : 0;
  const outNodes: PathNode[] = new Array(count);
  const levels = new Int32Array(count);
  const selfNs = new Float64Array(count);
  let labelChars = 0;
  const stack: Array<[PathNode, number]> = n > 0 ? [[root, 0]] : [];
  for (let k = 0; stack.length > 0; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const [node, level] = stack.pop()!;
    const kids = [...childrenOf(node).values()].sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : 1));
    const childSum = kids.reduce((sum, c) => sum + c.value, 0);
    outNodes[k] = node;
    levels[k] = level;
    selfNs[k] = node.value - childSum;
    labelChars += node.label.length;
    for (let c = kids.length - 1; c >= 0; c--) {
      stack.push([kids[c], level + 1]);
    }
  }

  // The columns, in a pass of their own (a 200k-node graph's BigInts and label bytes are tens of ms).
  const values = new BigInt64Array(count);
  const selfs = new BigInt64Array(count);
  const labelOut = new VarBinaryBuilder(count, labelChars + count);
  for (let k = 0; k < count; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    values[k] = BigInt(outNodes[k].value);
    selfs[k] = BigInt(selfNs[k]);
    labelOut.pushString(outNodes[k].label);
  }
  const ns = { unit: 'ns' };
  return [
    {
      name: 'level',
      type: 'number',
      chunks: [fixedData(INT32, levels, count, undefined, 0)],
      nullable: false,
    },
    {
      name: 'value',
      type: 'number',
      chunks: [fixedData(INT64, values, count, undefined, 0)],
      nullable: false,
      config: ns,
    },
    {
      name: 'self',
      type: 'number',
      chunks: [fixedData(INT64, selfs, count, undefined, 0)],
      nullable: false,
      config: ns,
    },
    { name: 'label', type: 'string', chunks: [labelOut.finish(UTF8)], nullable: false },
  ];
}
