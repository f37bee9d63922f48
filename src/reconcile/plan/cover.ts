// Minimum weighted vertex cover of a bipartite graph, solved exactly as a min cut (König /
// Kőnig–Egerváry for weights): source → left vertex (its weight), left → right (∞ per edge),
// right vertex → sink (its weight). A finite cut never cuts an ∞ edge, so for every edge either
// its left end is cut off from the source (in the cover) or its right end is still reachable
// (its sink edge is cut: in the cover). Max flow by Dinic's algorithm with an iterative DFS, so
// deep residual paths cannot overflow the stack; O(E·√V) on these unit-ish networks, which is
// well under a second for ~10^5 edges.

/** A directed flow network with integer-or-infinite capacities, solved by Dinic's algorithm. */
export class FlowNetwork {
  readonly nodeCount: number;
  private head: Int32Array;
  private next: number[] = [];
  private to: number[] = [];
  private cap: number[] = [];
  private level: Int32Array;
  private iter: Int32Array;

  constructor(nodeCount: number) {
    this.nodeCount = nodeCount;
    this.head = new Int32Array(nodeCount).fill(-1);
    this.level = new Int32Array(nodeCount);
    this.iter = new Int32Array(nodeCount);
  }

  /** Adds u → v with `capacity` (≥ 0, may be Infinity) and its residual twin; returns the edge index. */
  addEdge(u: number, v: number, capacity: number): number {
    if (!(capacity >= 0)) throw new RangeError(`capacity must be ≥ 0, got ${capacity}`);
    if (u < 0 || u >= this.nodeCount || v < 0 || v >= this.nodeCount) {
      throw new RangeError(`edge ${u}→${v} outside 0..${this.nodeCount - 1}`);
    }
    const e = this.to.length;
    this.to.push(v, u);
    this.cap.push(capacity, 0);
    this.next.push(this.head[u]!, this.head[v]!);
    this.head[u] = e;
    this.head[v] = e + 1;
    return e;
  }

  /** Flow currently on edge `e` (as returned by addEdge). */
  flowOn(e: number): number {
    return this.cap[e ^ 1]!;
  }

  /** Pushes a maximum flow from s to t and returns its value (Infinity if unbounded). */
  maxFlow(s: number, t: number): number {
    if (s === t) throw new RangeError('source and sink must differ');
    let total = 0;
    while (this.bfs(s, t)) {
      this.iter.set(this.head);
      for (;;) {
        const f = this.augment(s, t);
        if (f === 0) break;
        total += f;
        if (f === Infinity) return Infinity;
      }
    }
    return total;
  }

  /** After maxFlow: which nodes the source still reaches in the residual graph (the min cut's source side). */
  sourceSide(s: number): Uint8Array {
    const seen = new Uint8Array(this.nodeCount);
    const queue = new Int32Array(this.nodeCount);
    let qh = 0;
    let qt = 0;
    queue[qt++] = s;
    seen[s] = 1;
    while (qh < qt) {
      const u = queue[qh++]!;
      for (let e = this.head[u]!; e !== -1; e = this.next[e]!) {
        const v = this.to[e]!;
        if (this.cap[e]! > 0 && !seen[v]) {
          seen[v] = 1;
          queue[qt++] = v;
        }
      }
    }
    return seen;
  }

  private bfs(s: number, t: number): boolean {
    this.level.fill(-1);
    const queue = new Int32Array(this.nodeCount);
    let qh = 0;
    let qt = 0;
    queue[qt++] = s;
    this.level[s] = 0;
    while (qh < qt) {
      const u = queue[qh++]!;
      for (let e = this.head[u]!; e !== -1; e = this.next[e]!) {
        const v = this.to[e]!;
        if (this.cap[e]! > 0 && this.level[v] === -1) {
          this.level[v] = this.level[u]! + 1;
          queue[qt++] = v;
        }
      }
    }
    return this.level[t] !== -1;
  }

  /** One augmenting path in the level graph (iterative DFS with current-arc pointers). */
  private augment(s: number, t: number): number {
    const pathEdges: number[] = [];
    let u = s;
    for (;;) {
      if (u === t) {
        let f = Infinity;
        for (const e of pathEdges) f = Math.min(f, this.cap[e]!);
        for (const e of pathEdges) {
          this.cap[e] = this.cap[e]! - f;
          this.cap[e ^ 1] = this.cap[e ^ 1]! + f;
        }
        return f;
      }
      let advanced = false;
      for (let e = this.iter[u]!; e !== -1; e = this.next[e]!) {
        const v = this.to[e]!;
        if (this.cap[e]! > 0 && this.level[v] === this.level[u]! + 1) {
          this.iter[u] = e;
          pathEdges.push(e);
          u = v;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
      // Dead end: retire u from this phase and retreat one step.
      this.iter[u] = -1;
      this.level[u] = -1;
      if (u === s) return 0;
      const back = pathEdges.pop()!;
      u = this.to[back ^ 1]!;
      this.iter[u] = this.next[this.iter[u]!]!;
    }
  }
}

export interface CoverProblem {
  /** Weight of each left vertex (finite, ≥ 0). */
  leftWeights: number[];
  /** Weight of each right vertex (finite, ≥ 0). */
  rightWeights: number[];
  /** [left index, right index] pairs. */
  edges: ReadonlyArray<readonly [number, number]>;
}

export interface CoverResult {
  left: boolean[];
  right: boolean[];
  /** Σ weights of the chosen vertices = the max-flow value. */
  cost: number;
}

/**
 * Exact minimum-weight vertex cover of a bipartite graph. Among equal-cost covers it returns the
 * one whose cut is nearest the source, i.e. it prefers LEFT vertices (the planner puts group-side
 * calls on the left, so ties go to invite/kick rather than to broader sync calls). Deterministic
 * for a given input order.
 */
export function minWeightVertexCover(p: CoverProblem): CoverResult {
  const nl = p.leftWeights.length;
  const nr = p.rightWeights.length;
  const s = nl + nr;
  const t = s + 1;
  const net = new FlowNetwork(nl + nr + 2);
  for (let i = 0; i < nl; i++) net.addEdge(s, i, checkWeight(p.leftWeights[i]!));
  for (let j = 0; j < nr; j++) net.addEdge(nl + j, t, checkWeight(p.rightWeights[j]!));
  for (const [i, j] of p.edges) {
    if (i < 0 || i >= nl || j < 0 || j >= nr) throw new RangeError(`edge [${i},${j}] outside the graph`);
    net.addEdge(i, nl + j, Infinity);
  }
  const cost = net.maxFlow(s, t);
  const reach = net.sourceSide(s);
  const left = Array.from({ length: nl }, (_, i) => reach[i] === 0);
  const right = Array.from({ length: nr }, (_, j) => reach[nl + j] === 1);
  return { left, right, cost };
}

function checkWeight(w: number): number {
  if (!Number.isFinite(w) || w < 0) throw new RangeError(`vertex weight must be finite and ≥ 0, got ${w}`);
  return w;
}
