import { test } from "node:test";
import * as assert from "node:assert/strict";

import { nearestTrainingImages, trainingImagesAt } from "../lib/problem3/quality";
import { problem3Settings } from "../lib/problem3/settings";
import { PROFILE_NAMES } from "../lib/profile";
import { Random } from "../lib/random";

test("nearest training image of a stored copy is itself at distance 0", () => {
  const random = new Random(2);
  const pixels = 16;
  const training = Uint8Array.from({ length: 50 * pixels }, () => random.int(256));
  const queries = trainingImagesAt(training, pixels, [7, 31]);
  queries[3] += 0.1; // the first query moves off its source by 0.1 in one pixel
  const found = nearestTrainingImages(queries, training, pixels, 50);
  assert.deepEqual(found.map((hit) => hit.index), [7, 31]);
  assert.ok(Math.abs(found[0].distance - 0.1) < 1e-6, `distance ${found[0].distance}`);
  assert.ok(found[1].distance < 1e-6, `distance ${found[1].distance}`);
  // With the pool cut below the source row, another image is nearest.
  assert.notEqual(nearestTrainingImages(queries.subarray(pixels), training, pixels, 30)[0].index, 31);
  assert.throws(() => nearestTrainingImages(queries, training, pixels, 51), /pool must be in 1\.\.50/);
});

for (const profile of PROFILE_NAMES) {
  test(`${profile} settings are consistent`, () => {
    const settings = problem3Settings(profile);
    for (const gan of [settings.gan, settings.conditionalGan]) {
      assert.ok(gan.snapshotSteps.length >= 2);
      assert.equal(gan.snapshotSteps.at(-1), gan.steps);
      assert.ok(gan.snapshotSteps.every((step, i) => step >= 1 && (i === 0 || step > gan.snapshotSteps[i - 1])));
      assert.ok(gan.curveInterval <= gan.steps);
    }
    assert.equal(settings.gan.model.numClasses, 0);
    assert.equal(settings.conditionalGan.model.numClasses, 10);
    assert.ok(settings.evaluation.frechetSamples <= 10000, "the test split bounds the floor's sample count");
  });
}
