#!/usr/bin/env node
// Benchmark driver for the two published peers (issue 5). It drives each SDK only through its
// documented public API (the same calls as ../saintno-runner.mjs and ../stable-canvas-runner.mjs) and
// records, for every prompt, when it was submitted and when its result came back, and every progress
// callback with its timestamp. The fake server's journal gives the send side; the benchmark matches them.
//
// usage: node --expose-gc bench-runner.mjs <saintno|stable-canvas> <mode> <server-url> <workflow.json> <count> [timeout-ms]
//   sequential  <count> prompts one after another (seed varied so nothing is served from cache)
//   inflight    <count> prompts submitted at once; ends when min(count, 10) results came back
//   polling     <count> prompts in the SDK's polling mode (stable-canvas only); ends at the timeout
// Timestamps are epoch milliseconds as floats: performance.timeOrigin + performance.now().
// Prints ONE JSON line.
import { readFileSync } from "node:fs";
import { nowEpochMs } from "../lib/run-record.mjs";

const [sdk, mode, rawUrl, workflowFile, rawCount, rawTimeout] = process.argv.slice(2);
if (!["saintno", "stable-canvas"].includes(sdk) || !["sequential", "inflight", "polling"].includes(mode)
    || !rawUrl || !workflowFile) {
  console.error("usage: node --expose-gc bench-runner.mjs <saintno|stable-canvas> <sequential|inflight|polling> "
    + "<server-url> <workflow.json> <count> [timeout-ms]");
  process.exit(64);
}
const url = rawUrl.replace(/\/$/, "");
const workflow = JSON.parse(readFileSync(workflowFile, "utf8"));
const count = Number(rawCount ?? 1);
const timeoutMs = Number(rawTimeout ?? 60000);
const OUTPUT_CLASSES = new Set(["SaveImage", "PreviewImage", "FakeLoraTrainer"]);

const out = {
  client: sdk, mode, count, outcome: "timeout", started: nowEpochMs(), finished: null,
  prompts: [], progress: [], heap: null, errors: [],
};
let done = false;
function finish(outcome) {
  if (done) return;
  done = true;
  out.outcome = outcome;
  out.finished = nowEpochMs();
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
}
setTimeout(() => finish(mode === "polling" ? "window ended" : "timeout"), timeoutMs);
// An SDK failure outside our promise chain (e.g. an unhandled fetch rejection inside the SDK) ends the run
// with what was recorded so far, stated as such, instead of a crash without output.
process.on("uncaughtException", (e) => { error(e); finish("crashed"); });
process.on("unhandledRejection", (e) => { error(e); finish("crashed"); });
const error = (e) => out.errors.length < 20 && out.errors.push({ t: nowEpochMs(), message: String(e?.message ?? e).slice(0, 300) });

/** The i-th variant of the workflow: seeds (and EmptyImage colours) shifted so no prompt is fully cached. */
function variant(i) {
  const w = structuredClone(workflow);
  for (const node of Object.values(w)) {
    if (typeof node?.inputs?.seed === "number") node.inputs.seed += i;
    if (node?.class_type === "EmptyImage" && typeof node.inputs?.color === "number") node.inputs.color = (node.inputs.color + i) % 16777215;
  }
  return w;
}

// Counts answered POST /prompt calls, to know when every submission of "inflight" is held by the SDK.
let posted = 0;
let onPosted = () => {};
const realFetch = globalThis.fetch;
const countingFetch = async (input, init) => {
  const res = await realFetch(input, init);
  const target = typeof input === "string" ? input : input?.url ?? String(input);
  if ((init?.method ?? input?.method ?? "GET").toUpperCase() === "POST" && /\/prompt$/.test(new URL(target).pathname)) {
    posted++;
    onPosted();
  }
  return res;
};
globalThis.fetch = countingFetch;

const progress = (promptId, node, value) => out.progress.push({ t: nowEpochMs(), prompt_id: promptId ?? null, node: node ?? null, value });

/** An adapter per SDK: connect(), run(workflow, record) -> Promise<outcome>. */
async function saintno() {
  const { ComfyApi, CallWrapper, PromptBuilder } = await import("@saintno/comfyui-sdk");
  const api = new ComfyApi(url);
  await api.pollStatus(5000);
  await api.init().waitForReady();
  return {
    run(w, rec) {
      const outputs = Object.entries(w).filter(([, n]) => OUTPUT_CLASSES.has(n.class_type)).map(([id]) => id);
      let builder = new PromptBuilder(w, [], outputs);
      for (const id of outputs) builder = builder.setOutputNode(id, id);
      return new CallWrapper(api, builder)
        .onPending((id) => { rec.prompt_id = id ?? rec.prompt_id; })
        .onProgress((info, id) => progress(id, info?.node, info?.value))
        .onFailed((e) => error(e))
        .run()
        .then((r) => (r ? "success" : "failed"));
    },
  };
}

async function stableCanvas() {
  const { Client } = await import("@stable-canvas/comfyui-client");
  const { default: WebSocket } = await import("ws");
  const server = new URL(url);
  const client = new Client({ api_host: server.host, ssl: server.protocol === "https:", WebSocket, fetch: countingFetch });
  if (mode !== "polling") await client.connect({ timeout_ms: 10000 });
  return {
    run(w, rec) {
      const options = { disable_random_seed: true, timeout_ms: Math.max(1001, timeoutMs) };
      const call = mode === "polling"
        ? client.enqueue_polling(w, { ...options, polling_ms: 1000 })
        : client.enqueue(w, { ...options, progress: (p) => progress(p?.prompt_id, p?.node, p?.value) });
      return call.then((r) => { rec.prompt_id = r?.prompt_id ?? rec.prompt_id; return "success"; });
    },
  };
}

function heapUsed() {
  if (typeof globalThis.gc !== "function") return null;
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

try {
  const adapter = sdk === "saintno" ? await saintno() : await stableCanvas();
  const start = (i) => {
    const rec = { i, prompt_id: null, submitted: nowEpochMs(), done: null, outcome: null };
    out.prompts.push(rec);
    return adapter.run(variant(i), rec)
      .catch((e) => { error(e); return "failed"; })
      .then((outcome) => { rec.done = nowEpochMs(); rec.outcome = outcome; return outcome; });
  };
  if (mode === "sequential") {
    for (let i = 0; i < count && !done; i++) await start(i);
    finish(out.prompts.every((p) => p.outcome === "success") ? "success" : "failed");
  } else {
    const before = heapUsed();
    const allPosted = new Promise((resolve) => { onPosted = () => posted >= count && resolve(); });
    const measure = Math.min(count, 10);
    let finished = 0;
    const enough = new Promise((resolve) => {
      for (let i = 0; i < count; i++) start(i).then(() => { if (++finished >= measure) resolve(); });
    });
    await allPosted;
    const after = heapUsed();
    if (before !== null) out.heap = { before, after, prompts: count };
    await enough;
    if (mode === "inflight") finish("success");
  }
} catch (e) {
  error(e);
  finish("failed");
}
