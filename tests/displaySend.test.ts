import { test } from "node:test";
import * as assert from "node:assert/strict";
import { isSocketBusy, sendWhenReady } from "../lib/display/output";

const busy = () => new Error("Socket is busy writing; only one send operation may be in progress at any time");
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 100));

test("sendWhenReady retries a busy socket", async () => {
  let calls = 0;
  sendWhenReady(() => {
    calls++;
    if (calls < 3) throw busy();
  });
  assert.equal(calls, 1);
  await settle();
  assert.equal(calls, 3);
});

test("sendWhenReady keeps only the newest keyed send", async () => {
  const sent: string[] = [];
  let blocked = true;
  const attemptFor = (text: string) => () => {
    if (blocked) throw busy();
    sent.push(text);
  };
  sendWhenReady(attemptFor("first"), "progress");
  sendWhenReady(attemptFor("second"), "progress");
  sendWhenReady(attemptFor("third"), "progress");
  blocked = false;
  await settle();
  assert.deepEqual(sent, ["third"]);
});

test("sendWhenReady rethrows other errors", () => {
  assert.throws(() => sendWhenReady(() => { throw new Error("disk full"); }), /disk full/);
});

test("isSocketBusy recognizes only EBUSY", () => {
  assert.equal(isSocketBusy(busy()), true);
  assert.equal(isSocketBusy(new Error("other")), false);
  assert.equal(isSocketBusy("busy writing"), false);
});
