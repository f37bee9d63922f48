import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowNetwork, minWeightVertexCover, type CoverProblem } from '../../../src/reconcile/plan/cover.js';

function isCover(p: CoverProblem, left: boolean[], right: boolean[]): boolean {
  return p.edges.every(([i, j]) => left[i] || right[j]);
}
function costOf(p: CoverProblem, left: boolean[], right: boolean[]): number {
  let c = 0;
  left.forEach((x, i) => {
    if (x) c += p.leftWeights[i]!;
  });
  right.forEach((x, j) => {
    if (x) c += p.rightWeights[j]!;
  });
  return c;
}
function bruteForceCover(p: CoverProblem): number {
  const nl = p.leftWeights.length;
  const nr = p.rightWeights.length;
  let best = Infinity;
  for (let mask = 0; mask < 1 << (nl + nr); mask++) {
    const left = Array.from({ length: nl }, (_, i) => (mask & (1 << i)) !== 0);
    const right = Array.from({ length: nr }, (_, j) => (mask & (1 << (nl + j))) !== 0);
    if (isCover(p, left, right)) best = Math.min(best, costOf(p, left, right));
  }
  return best;
}

describe('FlowNetwork (Dinic)', () => {
  it('finds the max flow of the CLRS example network (23)', () => {
    const n = new FlowNetwork(6);
    const e: [number, number, number][] = [
      [0, 1, 16], [0, 2, 13], [1, 2, 10], [2, 1, 4], [1, 3, 12], [3, 2, 9], [2, 4, 14], [4, 3, 7], [3, 5, 20], [4, 5, 4],
    ];
    for (const [u, v, c] of e) n.addEdge(u, v, c);
    expect(n.maxFlow(0, 5)).toBe(23);
    // The min cut separates {0,1,2,4} from {3,5}: 12 + 7 + 4 = 23.
    expect(Array.from(n.sourceSide(0))).toEqual([1, 1, 1, 0, 1, 0]);
  });

  it('needs a reverse residual edge to reach the optimum', () => {
    // Greedy s→a→b→t first would block; Dinic must undo it through b→a.
    const n = new FlowNetwork(4);
    n.addEdge(0, 1, 1);
    n.addEdge(0, 2, 1);
    n.addEdge(1, 2, 1);
    n.addEdge(1, 3, 1);
    n.addEdge(2, 3, 1);
    expect(n.maxFlow(0, 3)).toBe(2);
  });

  it('handles a disconnected sink, infinite middle edges and long paths', () => {
    const a = new FlowNetwork(3);
    a.addEdge(0, 1, 5);
    expect(a.maxFlow(0, 2)).toBe(0);
    const len = 50_000; // a path this long would overflow a recursive DFS
    const b = new FlowNetwork(len);
    for (let i = 0; i + 1 < len; i++) b.addEdge(i, i + 1, i === 777 ? 3 : Infinity);
    expect(b.maxFlow(0, len - 1)).toBe(3);
  });

  it('reports flow on an edge and rejects bad input', () => {
    const n = new FlowNetwork(3);
    const e1 = n.addEdge(0, 1, 4);
    n.addEdge(1, 2, 2);
    expect(n.maxFlow(0, 2)).toBe(2);
    expect(n.flowOn(e1)).toBe(2);
    expect(() => n.addEdge(0, 3, 1)).toThrow(RangeError);
    expect(() => n.addEdge(0, 1, -1)).toThrow(RangeError);
    expect(() => n.maxFlow(1, 1)).toThrow(RangeError);
  });
});

describe('minWeightVertexCover', () => {
  it('covers a star by its centre', () => {
    const r = minWeightVertexCover({ leftWeights: [1], rightWeights: [1, 1, 1, 1, 1], edges: [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4]] });
    expect(r).toEqual({ left: [true], right: [false, false, false, false, false], cost: 1 });
  });

  it('covers one user missing from five groups by the user', () => {
    const r = minWeightVertexCover({ leftWeights: [1, 1, 1, 1, 1], rightWeights: [1], edges: [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]] });
    expect(r.cost).toBe(1);
    expect(r.right).toEqual([true]);
    expect(r.left.every((x) => !x)).toBe(true);
  });

  it('prefers the left side on ties and always takes weight-0 vertices', () => {
    const tie = minWeightVertexCover({ leftWeights: [1], rightWeights: [1], edges: [[0, 0]] });
    expect(tie).toEqual({ left: [true], right: [false], cost: 1 });
    const zero = minWeightVertexCover({ leftWeights: [0, 3], rightWeights: [1, 1], edges: [[0, 0], [1, 0], [1, 1]] });
    expect(zero.left).toEqual([true, false]);
    expect(zero.right).toEqual([true, true]);
    expect(zero.cost).toBe(2);
  });

  it('uses weights: a heavy side is replaced by cheaper users', () => {
    // Left 0 (weight 3) reaches users 0-1, left 1 (weight 1) reaches users 1-3:
    // best = left 1 + users 0, 1 = 3 (not left 0 + left 1 = 4, nor the four users = 4).
    const p: CoverProblem = {
      leftWeights: [3, 1],
      rightWeights: [1, 1, 1, 1],
      edges: [[0, 0], [0, 1], [1, 1], [1, 2], [1, 3]],
    };
    const r = minWeightVertexCover(p);
    expect(r.cost).toBe(3);
    expect(r.left).toEqual([false, true]);
    expect(r.right).toEqual([true, true, false, false]);
    expect(isCover(p, r.left, r.right)).toBe(true);
  });

  it('is empty for a graph without edges', () => {
    expect(minWeightVertexCover({ leftWeights: [2], rightWeights: [1], edges: [] })).toEqual({ left: [false], right: [false], cost: 0 });
  });

  it('matches a brute-force optimum on random small graphs', () => {
    const problem = fc
      .record({ nl: fc.integer({ min: 1, max: 5 }), nr: fc.integer({ min: 1, max: 5 }) })
      .chain(({ nl, nr }) =>
        fc.record({
          leftWeights: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: nl, maxLength: nl }),
          rightWeights: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: nr, maxLength: nr }),
          edges: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: nl - 1 }), fc.integer({ min: 0, max: nr - 1 })), {
            selector: ([i, j]) => `${i},${j}`,
            maxLength: nl * nr,
          }),
        }),
      );
    fc.assert(
      fc.property(problem, (p) => {
        const r = minWeightVertexCover(p);
        expect(isCover(p, r.left, r.right)).toBe(true);
        expect(costOf(p, r.left, r.right)).toBe(r.cost);
        expect(r.cost).toBe(bruteForceCover(p));
      }),
      { numRuns: 1000 },
    );
  });

  it('solves a 20k-edge graph with a valid cover whose cost equals the flow', () => {
    // Deterministic pseudo-random graph: 400 groups × 3000 users, 20 000 distinct edges.
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const nl = 400;
    const nr = 3000;
    const seen = new Set<number>();
    const edges: [number, number][] = [];
    while (edges.length < 20_000) {
      const i = Math.floor(rand() * nl);
      const j = Math.floor(rand() * nr);
      if (seen.has(i * nr + j)) continue;
      seen.add(i * nr + j);
      edges.push([i, j]);
    }
    const p: CoverProblem = {
      leftWeights: Array.from({ length: nl }, () => 1 + Math.floor(rand() * 3)),
      rightWeights: Array.from({ length: nr }, () => 1),
      edges,
    };
    const r = minWeightVertexCover(p);
    expect(isCover(p, r.left, r.right)).toBe(true);
    expect(costOf(p, r.left, r.right)).toBe(r.cost);
    expect(r.cost).toBeLessThanOrEqual(Math.min(nr, p.leftWeights.reduce((a, b) => a + b, 0)));
  });
});
