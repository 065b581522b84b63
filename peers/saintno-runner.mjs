#!/usr/bin/env node
// Runs ComfyUI prompts with @saintno/comfyui-sdk exactly as its README shows
// (ComfyApi + PromptBuilder + CallWrapper), recording every event the SDK delivers.
// Usage: node saintno-runner.mjs <server-url> <workflow.json> [timeout-ms] [--prompts N] [--no-download]
// Event timestamps ("t") are epoch milliseconds as a float: performance.timeOrigin + performance.now().
import {
  RunRecord, parseArgs, outputNodeIds, isUnreachable, nowEpochMs, promptCopies, overallOutcome,
} from "./lib/run-record.mjs";

const startedAt = nowEpochMs();
const { url, workflow, timeoutMs, prompts, download } = parseArgs(process.argv);
const record = new RunRecord("@saintno/comfyui-sdk", startedAt);
record.deadline(timeoutMs);

// The SDK calls the global fetch at request time; counting it does not change what is sent.
globalThis.fetch = record.countingFetch(globalThis.fetch);

const { ComfyApi, CallWrapper, PromptBuilder } = await import("@saintno/comfyui-sdk");

const outputs = outputNodeIds(workflow);
if (outputs.length === 0) {
  record.error(new Error("the workflow has no SaveImage or PreviewImage node, so there is nothing to wait for"));
  await record.finish("failed");
}

const api = new ComfyApi(url);

// Every message the socket delivers, as the SDK re-dispatches it ("all" carries the JSON ones).
api.on("all", (ev) => record.event(ev.detail?.type ?? "unknown", ev.detail?.data));
for (const type of ["b_preview", "connected", "disconnected", "reconnecting", "reconnected", "connection_error"]) {
  api.on(type, (ev) => record.event(type === "b_preview" ? "b_preview" : `socket:${type}`, ev.detail));
}

// Reachability through the SDK's own status call: init()/waitForReady() alone would wait forever.
try {
  await api.pollStatus(Math.min(timeoutMs, 5000));
} catch (e) {
  record.error(e);
  await record.finish(isUnreachable(e) ? "unreachable" : "failed");
}

await api.init().waitForReady();

/** One prompt through one CallWrapper; resolves to {prompt_id, outcome, images}. */
async function runOne(prompt) {
  let builder = new PromptBuilder(prompt, [], outputs);
  for (const id of outputs) builder = builder.setOutputNode(id, id);
  let promptId = null;
  let lastFailure = null;
  const result = await new CallWrapper(api, builder)
    .onPending((id) => {
      promptId = id ?? promptId;
      record.event("onPending", { prompt_id: id });
    })
    .onStart((id) => record.event("onStart", { prompt_id: id }))
    .onProgress((info, id) => record.event("onProgress", { ...info, prompt_id: id }))
    .onPreview((blob, id) => record.event("onPreview", { prompt_id: id }))
    .onOutput((key, data, id) => record.event("onOutput", { node: String(key), prompt_id: id }))
    .onFinished((data, id) => record.event("onFinished", { prompt_id: id }))
    .onFailed((err, id) => {
      // onFailed can fire and the run still succeed later (see docs): keep it, decide at the end.
      lastFailure = err;
      record.error(err);
      record.event("onFailed", { prompt_id: id });
    })
    .run();
  if (!result) {
    const name = lastFailure?.name ?? "";
    const outcome =
      name === "ExecutionInterruptedError" ? "interrupted" : name === "EnqueueFailedError" ? "rejected" : "failed";
    return { prompt_id: promptId, outcome, images: [] };
  }
  const images = [];
  for (const [node, out] of Object.entries(result)) {
    for (const image of out?.images ?? []) images.push({ node, image });
  }
  return { prompt_id: promptId, outcome: "success", images };
}

const runs = await Promise.all(promptCopies(workflow, prompts).map(runOne));

record.downloading();
const files = [];
for (const run of runs) {
  for (const { node, image } of run.images) {
    const file = { prompt_id: run.prompt_id, node, filename: image.filename, subfolder: image.subfolder, type: image.type };
    if (download) {
      // Through the SDK, as a user would, to prove /view serves the bytes.
      file.bytes = (await api.getImage(image)).size;
    }
    files.push(file);
  }
}
api.destroy();
await record.finish(overallOutcome(runs.map((r) => r.outcome)), {
  prompt_id: runs[0].prompt_id,
  prompts: runs.map(({ prompt_id, outcome }) => ({ prompt_id, outcome })),
  outputs: files,
});
