package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.execution.ExecutionScript.NodeFailure;
import io.comfyrun.fake.files.FileStore;
import io.comfyrun.fake.files.FileStore.FolderType;
import io.comfyrun.fake.files.FileStore.SavedFile;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.NodeTiming;
import io.comfyrun.fake.scenario.SeededRandom;
import io.comfyrun.fake.time.VirtualTime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * ComfyUI's prompt worker: takes prompts by number, runs their nodes in ComfyUI's order on virtual
 * time, and emits the same messages in the same order as 0.3.64 (protocol reference §6, §11.4).
 * Everything runs on the engine thread; a node "running" is just a scheduled callback, so there is
 * no thread per prompt and 1,000 queued prompts cost only memory.
 */
public final class PromptWorker {

    private static final System.Logger LOG = System.getLogger(PromptWorker.class.getName());
    private static final int MAX_IMAGE_SIDE = 1024;

    private final PromptQueue queue;
    private final Outbox out;
    private final FileStore files;
    private final NodeTypes types;
    private volatile ExecutionScript script;
    private final VirtualTime time;
    private final SeededRandom random;
    private final byte[] previewJpeg;

    /** Output cache keyed by input signature; keeps only the latest prompt's nodes (ComfyUI's default). */
    private final Map<String, NodeResult> cache = new HashMap<>();
    private Run current;
    private String lastNodeId;
    private boolean interruptFlag;

    public PromptWorker(PromptQueue queue, Outbox out, FileStore files, NodeTypes types, ExecutionScript script,
                        VirtualTime time, SeededRandom random) {
        this.queue = queue;
        this.out = out;
        this.files = files;
        this.types = types;
        this.script = script;
        this.time = time;
        this.random = random;
        this.previewJpeg = resource("/io/comfyrun/fake/preview.jpg");
    }

    /** Recordings to play back for workflows that match one (a recorded session); null for none. */
    private volatile ReplayScript.Source replays;

    public void setReplays(ReplayScript.Source replays) {
        this.replays = replays;
    }

    public void setScript(ExecutionScript script) {
        this.script = script;
    }

    private static byte[] resource(String name) {
        try (InputStream in = PromptWorker.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- queue side

    public ObjectNode statusData() {
        ObjectNode d = PythonJson.object();
        d.putObject("status").putObject("exec_info").put("queue_remaining", queue.remaining());
        return d;
    }

    /** {@code server.queue_updated()}: broadcast the queue size. */
    public void queueUpdated() {
        out.send("status", statusData(), null);
    }

    /** Starts the next prompt if the worker is idle. */
    public void kick() {
        if (current == null) {
            time.soon(this::startNext);
        }
    }

    /** The bare {@code executing} node to resend to a reconnecting socket, if its prompt is running. */
    public Optional<String> reconnectNode(String sid) {
        if (current != null && sid.equals(current.clientId) && lastNodeId != null) {
            return Optional.of(lastNodeId);
        }
        return Optional.empty();
    }

    /** POST /interrupt: global when promptId is null, else only if that prompt is running. */
    public boolean interrupt(String promptId) {
        if (promptId == null) {
            interruptFlag = true;
            return current != null;
        }
        if (current != null && current.item.promptId().equals(promptId)) {
            interruptFlag = true;
            return true;
        }
        LOG.log(System.Logger.Level.DEBUG, "Prompt {0} is not currently running, skipping interrupt", promptId);
        return false;
    }

    /** POST /free with free_memory: the next run is cold. */
    public void freeMemory() {
        cache.clear();
    }

    /** A server restart: the running prompt vanishes without any message, and the cache is gone. */
    public void reset() {
        current = null;
        lastNodeId = null;
        interruptFlag = false;
        cache.clear();
    }

    public String runningPromptId() {
        return current == null ? null : current.item.promptId();
    }

    // ---------------------------------------------------------------- execution

    private final class Run {
        final QueueItem item;
        final String clientId;
        final String promptId;
        final ObjectNode prompt;
        final ArrayNode messages = PythonJson.array();
        final LinkedHashMap<String, ObjectNode> progress = new LinkedHashMap<>();
        final LinkedHashSet<String> executed = new LinkedHashSet<>();
        final LinkedHashMap<String, ObjectNode> ui = new LinkedHashMap<>();
        final Map<String, String> signatures = new HashMap<>();
        final Map<String, NodeResult> results = new HashMap<>();
        ExecutionList list;

        Run(QueueItem item) {
            this.item = item;
            this.clientId = item.clientId();
            this.promptId = item.promptId();
            this.prompt = item.validatedPrompt();
        }
    }

    private void startNext() {
        if (current != null) {
            return;
        }
        QueueItem item = queue.take();
        if (item == null) {
            return;
        }
        queueUpdated(); // get(): the count is unchanged, the real server still says so
        Run r = new Run(item);
        current = r;
        interruptFlag = false;
        ReplayScript.Source source = replays;
        ReplayScript recorded = source == null ? null : source.find(r.prompt);
        if (recorded != null) {
            replay(r, recorded, 0, 0);
            return;
        }
        addMessage(r, "execution_start", promptData(r), false);

        for (String id : fieldNames(r.prompt)) {
            signature(r, id);
        }
        Set<String> live = new java.util.HashSet<>(r.signatures.values());
        cache.keySet().retainAll(live);
        ObjectNode cachedData = PythonJson.object();
        ArrayNode nodes = cachedData.putArray("nodes");
        for (String id : fieldNames(r.prompt)) {
            if (cache.containsKey(r.signatures.get(id))) {
                nodes.add(id);
            }
        }
        cachedData.put("prompt_id", r.promptId);
        cachedData.put("timestamp", System.currentTimeMillis());
        addMessage(r, "execution_cached", cachedData, false);

        r.list = new ExecutionList(r.prompt, id -> nodeType(r, id).outputNode(),
                id -> cache.containsKey(r.signatures.get(id)));
        for (String outId : item.outputsToExecute()) {
            if (r.prompt.has(outId)) {
                r.list.addNode(outId);
            }
        }
        nextNode(r);
    }

    private void nextNode(Run r) {
        while (r == current) {
            if (r.list.isEmpty()) {
                succeed(r);
                return;
            }
            String id = r.list.pick();
            if (id == null) {
                fail(r, r.list.pendingIds().iterator().next(),
                        new NodeFailure("graph.DependencyCycleError", "Dependency cycle detected"));
                return;
            }
            NodeResult cached = cache.get(r.signatures.get(id));
            if (cached != null) {
                // a cached output node: replay its old UI output, no executing before it
                if (r.clientId != null) {
                    ObjectNode d = PythonJson.object();
                    d.put("node", id);
                    d.put("display_node", id);
                    d.set("output", cached.ui());
                    d.put("prompt_id", r.promptId);
                    out.send("executed", d, r.clientId);
                }
                if (cached.ui() != null) {
                    r.ui.put(id, cached.ui());
                }
                ObjectNode p = progressEntry(r, id, 1, 1, "finished");
                r.progress.put(id, p);
                sendProgressState(r);
                r.results.put(id, cached);
                r.list.complete(id);
                continue;
            }
            startNode(r, id);
            return;
        }
    }

    private void startNode(Run r, String id) {
        NodeType type = nodeType(r, id);
        r.progress.put(id, progressEntry(r, id, 0.0, 1.0, "running"));
        sendProgressState(r);
        lastNodeId = id;
        if (r.clientId != null) {
            ObjectNode d = PythonJson.object();
            d.put("node", id);
            d.put("display_node", id);
            d.put("prompt_id", r.promptId);
            out.send("executing", d, r.clientId);
        }
        if (interruptFlag) {
            interrupted(r, id);
            return;
        }
        NodeFailure failure = script.failureAtStart(r.promptId, id, type.classType());
        if (failure != null) {
            fail(r, id, failure);
            return;
        }
        NodeTiming timing = script.timing(r.promptId, id, type.classType(), type.behaviour());
        boolean stepping = "SAMPLER".equals(type.behaviour()) || "TRAINER".equals(type.behaviour());
        if (stepping && !inputsBlocked(r, id)) {
            int steps = timing.steps() != null ? timing.steps() : samplerSteps(r.prompt.path(id).path("inputs"));
            if (steps <= 0) {
                // KSamplerAdvanced starting at or after its last step returns its latent untouched: no progress
                time.after(timing.durationMs(), () -> completeNode(r, id, type));
                return;
            }
            int total = steps;
            time.after(timing.durationMs() + timing.stepMs(), () -> step(r, id, type, 1, total, timing));
        } else {
            time.after(timing.durationMs(), () -> completeNode(r, id, type));
        }
    }

    /**
     * The steps a sampler reports as {@code progress.max}. ComfyUI's KSampler.sample cuts the sigma schedule
     * to {@code [start_at_step, min(end_at_step, steps)]} and the callback's total is {@code len(sigmas) - 1};
     * a plain KSampler has neither input, so it reports {@code steps}. A trainer's {@code steps} is used as is.
     */
    static int samplerSteps(com.fasterxml.jackson.databind.JsonNode inputs) {
        int steps = inputs.path("steps").asInt(20);
        if (steps <= 0) {
            return 1;
        }
        if (!inputs.has("start_at_step") && !inputs.has("end_at_step")) {
            return steps;
        }
        int end = Math.min(inputs.path("end_at_step").asInt(10000), steps);
        int start = Math.max(0, inputs.path("start_at_step").asInt(0));
        return start < end ? end - start : 0;
    }

    private void step(Run r, String id, NodeType type, int k, int steps, NodeTiming timing) {
        if (r != current) {
            return;
        }
        if (script.interruptAtStep(r.promptId, id, k)) {
            interruptFlag = true;
        }
        if (interruptFlag) { // the progress hook checks the flag before reporting
            interrupted(r, id);
            return;
        }
        NodeFailure failure = script.failureAtStep(r.promptId, id, type.classType(), k);
        if (failure != null) {
            fail(r, id, failure);
            return;
        }
        r.progress.put(id, progressEntry(r, id, k, steps, "running"));
        sendProgressState(r);
        ObjectNode prog = PythonJson.object();
        prog.put("value", k);
        prog.put("max", steps);
        prog.put("prompt_id", r.promptId);
        prog.put("node", id);
        boolean previews = "SAMPLER".equals(type.behaviour()) && script.previews();
        if (previews && r.clientId != null && out.supportsPreviewMetadata(r.clientId)) {
            out.sendBinary(previewWithMetadata(r, id), r.clientId);
            out.send("progress", prog, r.clientId);
        } else {
            out.send("progress", prog, r.clientId);
            if (previews) {
                out.sendBinary(legacyPreview(), r.clientId);
            }
        }
        if (k < steps) {
            time.after(timing.stepMs(), () -> step(r, id, type, k + 1, steps, timing));
        } else {
            completeNode(r, id, type);
        }
    }

    private void completeNode(Run r, String id, NodeType type) {
        if (r != current) {
            return;
        }
        NodeResult res;
        String blocker = script.blockerMessage(r.promptId, id, type.classType());
        if (blocker != null) {
            // ExecutionBlocker with a message: a non-terminal error, not recorded in history
            ObjectNode d = PythonJson.object();
            d.put("prompt_id", r.promptId);
            d.put("node_id", id);
            d.put("node_type", type.classType());
            ArrayNode ex = d.putArray("executed");
            r.executed.forEach(ex::add);
            d.put("exception_message", "Execution Blocked: " + blocker);
            d.put("exception_type", "ExecutionBlocked");
            d.putArray("traceback");
            d.putArray("current_inputs");
            d.putArray("current_outputs");
            out.send("execution_error", d, r.clientId);
            res = new NodeResult(64, 64, 1, 0, null, true);
        } else if (inputsBlocked(r, id)) {
            res = new NodeResult(64, 64, 1, 0, null, true);
        } else {
            try {
                res = produce(r, id, type);
            } catch (RuntimeException e) {
                fail(r, id, new NodeFailure(e.getClass().getSimpleName(), String.valueOf(e.getMessage())));
                return;
            }
        }
        if (res.ui() != null) {
            if (r.clientId != null) {
                ObjectNode d = PythonJson.object();
                d.put("node", id);
                d.put("display_node", id);
                d.set("output", res.ui());
                d.put("prompt_id", r.promptId);
                out.send("executed", d, r.clientId);
            }
            r.ui.put(id, res.ui());
        }
        ObjectNode p = r.progress.get(id);
        p.set("value", p.get("max"));
        p.put("state", "finished");
        sendProgressState(r);
        r.executed.add(id);
        cache.put(r.signatures.get(id), res);
        r.results.put(id, res);
        r.list.complete(id);
        nextNode(r);
    }

    private boolean inputsBlocked(Run r, String id) {
        for (Map.Entry<String, JsonNode> in : r.prompt.path(id).path("inputs").properties()) {
            if (ExecutionList.isLink(in.getValue())) {
                NodeResult src = r.results.get(in.getValue().get(0).asText());
                if (src != null && src.blocked()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The PNG text chunks ComfyUI's SaveImage and PreviewImage write: {@code prompt} (the stored prompt), then one
     * chunk per {@code extra_pnginfo} key (the editor sends {@code workflow}), each as {@code json.dumps} writes it.
     */
    private static Map<String, String> pngText(Run r) {
        Map<String, String> text = new java.util.LinkedHashMap<>();
        text.put("prompt", lowerCaseEscapes(PythonJson.write(r.prompt)));
        JsonNode extra = r.item.extraData().path("extra_pnginfo");
        if (extra.isObject()) {
            extra.properties().forEach(e -> text.put(e.getKey(), lowerCaseEscapes(PythonJson.write(e.getValue()))));
        }
        return text;
    }

    /**
     * json.dumps writes the hex digits of a backslash-u escape in lower case, Jackson in upper case: the chunk a
     * non-ASCII title lands in must have Python's bytes. Only escapes are touched (an escaped backslash is skipped).
     */
    static String lowerCaseEscapes(String json) {
        StringBuilder out = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            out.append(c);
            if (c == '\\' && i + 1 < json.length()) {
                char next = json.charAt(++i);
                out.append(next);
                if (next == 'u' && i + 4 < json.length()) {
                    out.append(json.substring(i + 1, i + 5).toLowerCase(java.util.Locale.ROOT));
                    i += 4;
                }
            }
        }
        return out.toString();
    }

    private NodeResult produce(Run r, String id, NodeType type) {
        JsonNode inputs = r.prompt.path(id).path("inputs");
        NodeResult upstream = null;
        for (Map.Entry<String, JsonNode> in : inputs.properties()) {
            if (ExecutionList.isLink(in.getValue())) {
                NodeResult src = r.results.get(in.getValue().get(0).asText());
                if (src != null && (upstream == null || "images".equals(in.getKey())
                        || "samples".equals(in.getKey()) || "latent_image".equals(in.getKey()))) {
                    upstream = src;
                }
            }
        }
        long seed = seedOf(r.signatures.get(id));
        int w = upstream == null ? 64 : upstream.width();
        int h = upstream == null ? 64 : upstream.height();
        int batch = upstream == null ? 1 : upstream.batch();
        switch (type.behaviour()) {
            case "LATENT" -> {
                if (inputs.has("width")) {
                    w = inputs.path("width").asInt(64);
                    h = inputs.path("height").asInt(64);
                    batch = Math.max(1, inputs.path("batch_size").asInt(1));
                }
                return new NodeResult(w, h, batch, seed, null, false);
            }
            case "IMAGE_OP" -> {
                if (inputs.has("width") && inputs.path("width").asInt() > 0) {
                    w = inputs.path("width").asInt();
                    h = inputs.path("height").asInt(h);
                }
                return new NodeResult(w, h, batch, seed, null, false);
            }
            case "SAVE_IMAGE", "PREVIEW_IMAGE" -> {
                boolean save = "SAVE_IMAGE".equals(type.behaviour());
                String prefix = save ? inputs.path("filename_prefix").asText("ComfyUI")
                        : "ComfyUI_temp_" + random.letters(5, "abcdefghijklmnopqrstupvxyz");
                List<SavedFile> saved = files.saveImages(prefix, batch, seed, save ? FolderType.OUTPUT : FolderType.TEMP,
                        Math.min(w, MAX_IMAGE_SIDE), Math.min(h, MAX_IMAGE_SIDE), pngText(r));
                ObjectNode ui = PythonJson.object();
                ArrayNode images = ui.putArray("images");
                for (SavedFile f : saved) {
                    images.add(fileRef(f));
                }
                return new NodeResult(w, h, batch, seed, ui, false);
            }
            case "TRAINER" -> {
                String prefix = inputs.path("filename_prefix").asText("fake_lora");
                SavedFile f = files.saveFile(prefix, "safetensors",
                        ("fake LoRA trained by fake-comfyui, seed " + seed).getBytes(StandardCharsets.UTF_8));
                ObjectNode ui = null;
                if (type.outputNode()) {
                    ui = PythonJson.object();
                    ui.putArray("loras").add(fileRef(f));
                }
                return new NodeResult(w, h, batch, seed, ui, false);
            }
            default -> {
                return new NodeResult(w, h, batch, seed, null, false);
            }
        }
    }

    private static ObjectNode fileRef(SavedFile f) {
        ObjectNode o = PythonJson.object();
        o.put("filename", f.filename());
        o.put("subfolder", f.subfolder());
        o.put("type", f.type().wireName());
        return o;
    }

    private void succeed(Run r) {
        addMessage(r, "execution_success", promptData(r), false);
        ObjectNode outputs = PythonJson.object();
        ObjectNode meta = PythonJson.object();
        for (Map.Entry<String, ObjectNode> e : r.ui.entrySet()) {
            outputs.set(e.getKey(), e.getValue());
            ObjectNode m = meta.putObject(e.getKey());
            m.put("node_id", e.getKey());
            m.put("display_node", e.getKey());
            m.putNull("parent_node");
            m.put("real_node_id", e.getKey());
        }
        finish(r, "success", true, outputs, meta);
    }

    private void fail(Run r, String id, NodeFailure failure) {
        NodeType type = nodeType(r, id);
        ObjectNode d = PythonJson.object();
        d.put("prompt_id", r.promptId);
        d.put("node_id", id);
        d.put("node_type", type.classType());
        ArrayNode ex = d.putArray("executed");
        r.executed.forEach(ex::add);
        d.put("exception_message", failure.exceptionMessage() + "\n");
        d.put("exception_type", failure.exceptionType());
        ArrayNode tb = d.putArray("traceback");
        tb.add("  File \"/fake-comfyui/execution.py\", line 496, in execute\n"
                + "    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)\n");
        tb.add("  File \"/fake-comfyui/nodes.py\", line 1, in " + type.classType() + "\n"
                + "    raise " + failure.exceptionType() + "(...)\n");
        ObjectNode ci = d.putObject("current_inputs");
        for (Map.Entry<String, JsonNode> in : r.prompt.path(id).path("inputs").properties()) {
            ArrayNode v = ci.putArray(in.getKey());
            if (ExecutionList.isLink(in.getValue())) {
                v.add(pythonObjectName(r, in.getValue()));
            } else {
                v.add(in.getValue());
            }
        }
        ArrayNode co = d.putArray("current_outputs");
        for (String nid : fieldNames(r.prompt)) {
            if (cache.containsKey(r.signatures.get(nid))) {
                co.add(nid);
            }
        }
        d.put("timestamp", System.currentTimeMillis());
        addMessage(r, "execution_error", d, false);
        finish(r, "error", false, PythonJson.object(), PythonJson.object());
    }

    private String pythonObjectName(Run r, JsonNode link) {
        String from = link.get(0).asText();
        int slot = link.get(1).asInt();
        List<String> outs = nodeType(r, from).outputTypes();
        String t = slot < outs.size() ? outs.get(slot) : "*";
        String cls = switch (t) {
            case "MODEL" -> "comfy.model_patcher.ModelPatcher";
            case "CLIP" -> "comfy.sd.CLIP";
            case "VAE" -> "comfy.sd.VAE";
            default -> null;
        };
        String addr = String.format("0x7f%010x", Math.abs(seedOf(r.signatures.get(from))) & 0xffffffffffL);
        if (cls == null) {
            return "<" + t + " object at " + addr + ">";
        }
        return "<" + cls + " object at " + addr + ">";
    }

    private void interrupted(Run r, String id) {
        ObjectNode d = PythonJson.object();
        d.put("prompt_id", r.promptId);
        d.put("node_id", id);
        d.put("node_type", nodeType(r, id).classType());
        ArrayNode ex = d.putArray("executed");
        r.executed.forEach(ex::add);
        d.put("timestamp", System.currentTimeMillis());
        addMessage(r, "execution_interrupted", d, true);
        finish(r, "error", false, PythonJson.object(), PythonJson.object());
    }

    private void finish(Run r, String statusStr, boolean completed, ObjectNode outputs, ObjectNode meta) {
        lastNodeId = null;
        Runnable write = () -> {
            if (r != current) {
                return;
            }
            ObjectNode entry = PythonJson.object();
            entry.set("prompt", r.item.toTuple());
            entry.set("outputs", outputs);
            ObjectNode status = entry.putObject("status");
            status.put("status_str", statusStr);
            status.put("completed", completed);
            status.set("messages", r.messages);
            entry.set("meta", meta);
            queue.taskDone(r.item, entry);
            queueUpdated();
            if (r.clientId != null) {
                ObjectNode d = PythonJson.object();
                d.putNull("node");
                d.put("prompt_id", r.promptId);
                out.send("executing", d, r.clientId);
            }
            current = null;
            startNext();
        };
        double delay = script.historyWriteDelayMs(r.promptId);
        if (delay > 0) {
            time.after(delay, write);
        } else {
            write.run();
        }
    }

    // ---------------------------------------------------------------- replay of a recorded run

    /**
     * Plays frame {@code index} at its recorded offset after the previous one, then the next; each step is scheduled
     * from the one before, so frames keep their recorded order whatever the scheduling latency.
     */
    private void replay(Run r, ReplayScript rec, int index, double previousAtMs) {
        if (index == rec.frames().size()) {
            for (ReplayScript.OutputFile f : rec.files()) {
                // same name, type and image size as recorded; the pixels are the fake's own
                byte[] content = f.width() > 0 && f.height() > 0
                        ? io.comfyrun.fake.files.Png.gradient(Math.min(f.width(), MAX_IMAGE_SIDE),
                                Math.min(f.height(), MAX_IMAGE_SIDE), f.filename().hashCode())
                        : new byte[(int) Math.min(f.bytes(), 16 * 1024 * 1024)];
                files.writeNamed(FolderType.fromWire(f.type()), f.subfolder(), f.filename(), content);
            }
            for (com.fasterxml.jackson.databind.JsonNode m : rec.messages()) {
                r.messages.add(substitute(m.deepCopy(), rec.recordedPromptId(), r.promptId));
            }
            finish(r, rec.statusStr(), rec.completed(),
                    (ObjectNode) substitute(rec.outputs().deepCopy(), rec.recordedPromptId(), r.promptId),
                    (ObjectNode) substitute(rec.meta().deepCopy(), rec.recordedPromptId(), r.promptId));
            return;
        }
        ReplayScript.Frame f = rec.frames().get(index);
        time.after(Math.max(0, f.atMs() - previousAtMs), () -> {
            if (r != current) {
                return; // a restart wiped it
            }
            if (r.clientId != null) {
                if (f.binary()) {
                    out.sendBinary(f.payload(), r.clientId);
                } else if (rec.recordedPromptId().equals(r.promptId)) {
                    out.sendEncoded(f.type(), f.payload(), r.clientId);
                } else {
                    ObjectNode msg;
                    try {
                        msg = (ObjectNode) PythonJson.parse(f.payload());
                    } catch (IOException e) {
                        throw new UncheckedIOException("recorded frame is not JSON", e);
                    }
                    out.send(f.type(), (ObjectNode) substitute(msg.path("data"), rec.recordedPromptId(), r.promptId),
                            r.clientId);
                }
            }
            replay(r, rec, index + 1, f.atMs());
        });
    }

    /** The recorded prompt id replaced by the replayed one wherever it is a whole string value. */
    private static com.fasterxml.jackson.databind.JsonNode substitute(com.fasterxml.jackson.databind.JsonNode n,
                                                                      String from, String to) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            for (String k : fieldNames(o)) {
                com.fasterxml.jackson.databind.JsonNode v = o.get(k);
                if (v.isTextual() && v.asText().equals(from)) {
                    o.put(k, to);
                } else {
                    substitute(v, from, to);
                }
            }
        } else if (n.isArray()) {
            ArrayNode a = (ArrayNode) n;
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isTextual() && a.get(i).asText().equals(from)) {
                    a.set(i, a.textNode(to));
                } else {
                    substitute(a.get(i), from, to);
                }
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- helpers

    private void addMessage(Run r, String event, ObjectNode data, boolean broadcast) {
        ArrayNode m = r.messages.addArray();
        m.add(event);
        m.add(data);
        if (r.clientId != null || broadcast) {
            out.send(event, data, r.clientId);
        }
    }

    private static ObjectNode promptData(Run r) {
        ObjectNode d = PythonJson.object();
        d.put("prompt_id", r.promptId);
        d.put("timestamp", System.currentTimeMillis());
        return d;
    }

    private ObjectNode progressEntry(Run r, String id, Number value, Number max, String state) {
        ObjectNode p = PythonJson.object();
        if (value instanceof Double dv) {
            p.put("value", dv);
        } else {
            p.put("value", value.intValue());
        }
        if (max instanceof Double dm) {
            p.put("max", dm);
        } else {
            p.put("max", max.intValue());
        }
        p.put("state", state);
        p.put("node_id", id);
        p.put("prompt_id", r.promptId);
        p.put("display_node_id", id);
        p.putNull("parent_node_id");
        p.put("real_node_id", id);
        return p;
    }

    private void sendProgressState(Run r) {
        if (!script.progressState()) {
            return;
        }
        ObjectNode d = PythonJson.object();
        d.put("prompt_id", r.promptId);
        ObjectNode nodes = d.putObject("nodes");
        for (Map.Entry<String, ObjectNode> e : r.progress.entrySet()) {
            nodes.set(e.getKey(), e.getValue().deepCopy());
        }
        out.send("progress_state", d, r.clientId);
    }

    private byte[] legacyPreview() {
        ByteBuffer b = ByteBuffer.allocate(8 + previewJpeg.length);
        b.putInt(1); // PREVIEW_IMAGE
        b.putInt(1); // JPEG
        b.put(previewJpeg);
        return b.array();
    }

    private byte[] previewWithMetadata(Run r, String id) {
        ObjectNode meta = PythonJson.object();
        meta.put("node_id", id);
        meta.put("prompt_id", r.promptId);
        meta.put("display_node_id", id);
        meta.putNull("parent_node_id");
        meta.put("real_node_id", id);
        meta.put("image_type", "image/jpeg");
        byte[] m = PythonJson.writeBytes(meta);
        ByteBuffer b = ByteBuffer.allocate(8 + m.length + previewJpeg.length);
        b.putInt(4); // PREVIEW_IMAGE_WITH_METADATA
        b.putInt(m.length);
        b.put(m);
        b.put(previewJpeg);
        return b.array();
    }

    private NodeType nodeType(Run r, String id) {
        String cls = r.prompt.path(id).path("class_type").asText("");
        return types.find(cls).orElse(new NodeType(cls, false, "GENERIC", List.of()));
    }

    private static List<String> fieldNames(ObjectNode o) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Cache key: class and inputs, with links replaced by the source's key (ComfyUI's input signature). */
    private String signature(Run r, String id) {
        String known = r.signatures.get(id);
        if (known != null) {
            return known;
        }
        r.signatures.put(id, "cycle:" + id); // guards against cycles while recursing
        JsonNode node = r.prompt.path(id);
        TreeMap<String, String> parts = new TreeMap<>();
        for (Map.Entry<String, JsonNode> in : node.path("inputs").properties()) {
            JsonNode v = in.getValue();
            if (ExecutionList.isLink(v)) {
                String from = v.get(0).asText();
                String src = r.prompt.has(from) ? signature(r, from) : "missing:" + from;
                parts.put(in.getKey(), "link(" + src + "," + v.get(1).asInt() + ")");
            } else {
                parts.put(in.getKey(), PythonJson.write(v));
            }
        }
        String text = node.path("class_type").asText() + parts;
        String sig = sha256(text);
        r.signatures.put(id, sig);
        return sig;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private long seedOf(String sig) {
        return Long.parseUnsignedLong(sig.substring(0, 15), 16) ^ random.seed();
    }
}
