#!/usr/bin/env node
// Runs ComfyUI prompts with @stable-canvas/comfyui-client exactly as its README shows for Node.js
// (Client with WebSocket + fetch, connect(), enqueue()), recording every event the SDK delivers.
// Usage: node stable-canvas-runner.mjs <server-url> <workflow.json> [timeout-ms] [--prompts N] [--no-download]
// Event timestamps ("t") are epoch milliseconds as a float: performance.timeOrigin + performance.now().
import {
  RunRecord, parseArgs, isUnreachable, nowEpochMs, promptCopies, overallOutcome,
} from "./lib/run-record.mjs";

const startedAt = nowEpochMs();
const { url, workflow, timeoutMs, prompts, download } = parseArgs(process.argv);
const record = new RunRecord("@stable-canvas/comfyui-client", startedAt);
record.deadline(timeoutMs);

const { Client, WorkflowInterruptedError, PromptEnqueueError } = await import("@stable-canvas/comfyui-client");
const { default: WebSocket } = await import("ws");

const server = new URL(url);
const countingFetch = record.countingFetch(globalThis.fetch);
const client = new Client({
  api_host: server.host,
  ssl: server.protocol === "https:",
  WebSocket,
  fetch: countingFetch,
});

// Every event the client emits; "message" (raw frames) would duplicate the typed ones.
const EVENT_TYPES = [
  "status", "progress", "progress_state", "executing", "executed", "execution_start", "execution_cached",
  "execution_success", "execution_error", "execution_interrupted", "b_preview", "b_preview_with_metadata",
  "progress_text", "image_data", "unhandled", "connected", "reconnected", "reconnecting", "connection_error", "close",
];
for (const type of EVENT_TYPES) {
  client.on(type, (detail) => record.event(type, detail && typeof detail === "object" ? detail : undefined));
}

// The README's own reachability check: an HTTP ping next to connect().
try {
  await client.getSystemStats();
} catch (e) {
  record.error(e);
  client.close();
  await record.finish(isUnreachable(e) ? "unreachable" : "failed");
}
await client.connect({ timeout_ms: Math.max(1000, Math.min(timeoutMs, 10000)) });

/** One prompt through enqueue(); resolves to {prompt_id, outcome, images}. */
async function runOne(prompt) {
  try {
    const out = await client.enqueue(prompt, {
      // Keep the submitted prompt exactly as given (enqueue() would otherwise randomise seeds),
      // so repeated runs are comparable and a resubmission really is identical.
      disable_random_seed: true,
      timeout_ms: Math.max(1001, timeoutMs),
      progress: (p) => record.event("onProgress", p),
      on_error: (err) => record.error(err),
    });
    return { prompt_id: out.prompt_id ?? null, outcome: "success", images: out.images };
  } catch (e) {
    record.error(e);
    const outcome =
      e instanceof WorkflowInterruptedError ? "interrupted" : e instanceof PromptEnqueueError ? "rejected" : "failed";
    return { prompt_id: null, outcome, images: [] };
  }
}

const runs = await Promise.all(promptCopies(workflow, prompts).map(runOne));

record.downloading();
const files = [];
for (const run of runs) {
  for (const image of run.images) {
    // Binary images are what the client handed back in memory (its previews, labelled by the client);
    // URL images are the saved outputs, fetched the way a user of this client would.
    const file = image.type === "url"
      ? { prompt_id: run.prompt_id, url: image.data }
      : { prompt_id: run.prompt_id, mime: image.mime, bytes: image.data?.byteLength ?? 0 };
    if (file.url && download) {
      const res = await countingFetch(file.url, { signal: AbortSignal.timeout(10000) });
      file.status = res.status;
      file.bytes = (await res.arrayBuffer()).byteLength;
    }
    files.push(file);
  }
}
client.close();
await record.finish(overallOutcome(runs.map((r) => r.outcome)), {
  prompt_id: runs[0].prompt_id,
  prompts: runs.map(({ prompt_id, outcome }) => ({ prompt_id, outcome })),
  outputs: files,
});
