#!/usr/bin/env node
// Runs one ComfyUI prompt with @saintno/comfyui-sdk exactly as its README shows
// (ComfyApi + PromptBuilder + CallWrapper), recording every event the SDK delivers.
// Usage: node saintno-runner.mjs <server-url> <workflow.json> [timeout-ms]
// Event timestamps ("t") are epoch milliseconds as a float: performance.timeOrigin + performance.now().
import { RunRecord, parseArgs, outputNodeIds, isUnreachable, nowEpochMs } from "./lib/run-record.mjs";

const startedAt = nowEpochMs();
const { url, workflow, timeoutMs } = parseArgs(process.argv);
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

let builder = new PromptBuilder(workflow, [], outputs);
for (const id of outputs) builder = builder.setOutputNode(id, id);

let lastFailure = null;
const result = await new CallWrapper(api, builder)
  .onPending((promptId) => {
    record.result.prompt_id = promptId ?? record.result.prompt_id;
    record.event("onPending", { prompt_id: promptId });
  })
  .onStart((promptId) => record.event("onStart", { prompt_id: promptId }))
  .onProgress((info, promptId) => record.event("onProgress", { ...info, prompt_id: promptId }))
  .onPreview((blob, promptId) => record.event("onPreview", { prompt_id: promptId }))
  .onOutput((key, data, promptId) => record.event("onOutput", { node: String(key), prompt_id: promptId }))
  .onFinished((data, promptId) => record.event("onFinished", { prompt_id: promptId }))
  .onFailed((err, promptId) => {
    // onFailed can fire and the run still succeed later (see docs): keep it, decide at the end.
    lastFailure = err;
    record.error(err);
    record.event("onFailed", { prompt_id: promptId });
  })
  .run();

if (!result) {
  const name = lastFailure?.name ?? "";
  const outcome =
    name === "ExecutionInterruptedError" ? "interrupted" : name === "EnqueueFailedError" ? "rejected" : "failed";
  api.destroy();
  record.finish(outcome);
} else {
  const files = [];
  for (const [node, out] of Object.entries(result)) {
    for (const image of out?.images ?? []) {
      // Download through the SDK, as a user would, to prove /view serves the bytes.
      const blob = await api.getImage(image);
      files.push({ node, filename: image.filename, subfolder: image.subfolder, type: image.type, bytes: blob.size });
    }
  }
  api.destroy();
  record.finish("success", { outputs: files });
}
