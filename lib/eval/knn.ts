/** k-nearest-neighbour classification in a low-dimensional code space, by brute force. */

export interface KnnInput {
  /** Reference points, [referenceCount, dim] row-major. */
  reference: Float32Array;
  referenceLabels: ArrayLike<number>;
  /** Query points, [queryCount, dim] row-major. */
  queries: Float32Array;
  dim: number;
  /** Number of neighbours. Default 5. */
  k?: number;
}

/**
 * Predicts each query's label by a majority vote of its k nearest reference points (Euclidean).
 * A tied vote goes to the tied class whose member is nearest. Costs O(queries x references x dim).
 */
export function knnPredict(input: KnnInput): Int32Array {
  const { reference, referenceLabels, queries, dim } = input;
  const k = input.k ?? 5;
  const referenceCount = reference.length / dim;
  const queryCount = queries.length / dim;
  if (!Number.isInteger(referenceCount) || !Number.isInteger(queryCount)) {
    throw new Error(`kNN points must have a multiple of dim = ${dim} values.`);
  }
  if (referenceLabels.length !== referenceCount) {
    throw new Error(`kNN has ${referenceCount} reference points but ${referenceLabels.length} labels.`);
  }
  if (!Number.isInteger(k) || k < 1 || k > referenceCount) {
    throw new Error(`kNN k must be an integer in [1, ${referenceCount}], got ${k}.`);
  }

  const predictions = new Int32Array(queryCount);
  const nearestDistance = new Float64Array(k);
  const nearestIndex = new Int32Array(k);
  const votes = new Map<number, number>();
  for (let q = 0; q < queryCount; q++) {
    nearestDistance.fill(Infinity);
    // Keep the k smallest distances sorted ascending by insertion.
    for (let r = 0; r < referenceCount; r++) {
      let distance = 0;
      for (let j = 0; j < dim; j++) {
        const difference = queries[q * dim + j] - reference[r * dim + j];
        distance += difference * difference;
      }
      if (distance >= nearestDistance[k - 1]) continue;
      let slot = k - 1;
      while (slot > 0 && nearestDistance[slot - 1] > distance) {
        nearestDistance[slot] = nearestDistance[slot - 1];
        nearestIndex[slot] = nearestIndex[slot - 1];
        slot--;
      }
      nearestDistance[slot] = distance;
      nearestIndex[slot] = r;
    }

    votes.clear();
    let best = referenceLabels[nearestIndex[0]];
    for (let slot = 0; slot < k; slot++) {
      const label = referenceLabels[nearestIndex[slot]];
      votes.set(label, (votes.get(label) ?? 0) + 1);
    }
    // Neighbours are visited nearest first, so a strict ">" keeps the nearest tied class.
    let bestVotes = 0;
    for (let slot = 0; slot < k; slot++) {
      const label = referenceLabels[nearestIndex[slot]];
      const count = votes.get(label) ?? 0;
      if (count > bestVotes) {
        bestVotes = count;
        best = label;
      }
    }
    predictions[q] = best;
  }
  return predictions;
}

/** Fraction of queries whose kNN prediction equals `queryLabels`. */
export function knnAccuracy(input: KnnInput & { queryLabels: ArrayLike<number> }): number {
  const predictions = knnPredict(input);
  if (input.queryLabels.length !== predictions.length) {
    throw new Error(`kNN has ${predictions.length} queries but ${input.queryLabels.length} query labels.`);
  }
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === input.queryLabels[i]) correct++;
  return correct / predictions.length;
}
