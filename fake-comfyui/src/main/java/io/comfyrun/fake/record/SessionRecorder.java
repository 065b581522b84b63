package io.comfyrun.fake.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the recording proxy saw, turned into a session file: the prompts queued through it, and for each run the frames
 * its client received from {@code execution_start} to the terminal message, then (once the upstream wrote it) the
 * history entry and the sizes of the output files. The file is rewritten after each completed run, so a recorder
 * stopped at any time keeps what it finished.
 */
final class SessionRecorder {

    private static final System.Logger LOG = System.getLogger(SessionRecorder.class.getName());
    private static final Set<String> TERMINAL = Set.of("execution_success", "execution_error",
            "execution_interrupted");

    /** A run being recorded on one socket. */
    private static final class Active {
        final String promptId;
        final ObjectNode prompt;
        final long startNanos;
        final ArrayNode frames = PythonJson.array();
        boolean ended;

        Active(String promptId, ObjectNode prompt, long startNanos) {
            this.promptId = promptId;
            this.prompt = prompt;
            this.startNanos = startNanos;
        }
    }

    private final URI upstream;
    /** The upstream's base URL without a trailing slash (it may have a path, as behind a proxy). */
    private final String base;
    private final Path out;
    private final HttpClient http;
    /** Fetches history and files off the I/O threads, one run at a time, in completion order. */
    private final ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fake-comfyui-recorder");
        t.setDaemon(true);
        return t;
    });
    // All below guarded by "this": the proxy's I/O threads report into it.
    private final Map<String, ObjectNode> queued = new HashMap<>();
    private final Map<String, Active> active = new HashMap<>();
    private final ObjectNode session = PythonJson.object();
    private int completed;

    SessionRecorder(URI upstream, Path out, HttpClient http) {
        this.upstream = upstream;
        this.base = upstream.toString().replaceAll("/+$", "");
        this.out = out;
        this.http = http;
        session.put("recorded_from", upstream.toString());
        session.putArray("recordings");
    }

    /** The upstream's node catalogue, kept in the session so the replaying fake offers the same classes. */
    void objectInfo(JsonNode info) {
        synchronized (this) {
            session.set("object_info", info);
        }
        save();
    }

    /** {@code POST /prompt} went through: its workflow, by the prompt id the upstream answered. */
    synchronized void promptQueued(byte[] requestBody, byte[] responseBody) {
        try {
            JsonNode req = PythonJson.parse(requestBody);
            JsonNode res = PythonJson.parse(responseBody);
            String id = res.path("prompt_id").asText(null);
            if (id != null && req.path("prompt").isObject()) {
                queued.put(id, (ObjectNode) req.get("prompt").deepCopy());
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "not a prompt submission: " + e.getMessage());
        }
    }

    void text(String sid, String text, long nanos) {
        JsonNode msg;
        try {
            msg = PythonJson.parse(text);
        } catch (IOException e) {
            return;
        }
        String type = msg.path("type").asText("");
        String promptId = msg.path("data").path("prompt_id").asText(null);
        Active done = null;
        synchronized (this) {
            Active a = active.get(sid);
            if (type.equals("execution_start") && promptId != null) {
                // the workflow comes from the POST it answered, or (when the frame beat that answer here) from the
                // history entry fetched at the end
                a = new Active(promptId, queued.get(promptId), nanos);
                active.put(sid, a);
            }
            if (a == null) {
                return;
            }
            if (!a.ended && !type.equals("status")) {
                ObjectNode f = a.frames.addObject();
                f.put("at_ms", (nanos - a.startNanos) / 1_000_000.0);
                f.put("type", type);
                f.put("text", text);
                if (TERMINAL.contains(type) && a.promptId.equals(promptId)) {
                    a.ended = true;
                }
            } else if (a.ended && type.equals("executing") && msg.path("data").path("node").isNull()
                    && a.promptId.equals(promptId)) {
                active.remove(sid);
                done = a; // the upstream writes history before this frame
            }
        }
        if (done != null) {
            Active run = done;
            fetcher.execute(() -> complete(run));
        }
    }

    synchronized void binary(String sid, byte[] frame, long nanos) {
        Active a = active.get(sid);
        if (a != null && !a.ended) {
            ObjectNode f = a.frames.addObject();
            f.put("at_ms", (nanos - a.startNanos) / 1_000_000.0);
            f.put("binary", Base64.getEncoder().encodeToString(frame));
        }
    }

    synchronized int completed() {
        return completed;
    }

    synchronized ObjectNode session() {
        return session.deepCopy();
    }

    void close() {
        fetcher.shutdownNow();
    }

    private void complete(Active a) {
        ObjectNode r = PythonJson.object();
        r.put("prompt_id", a.promptId);
        try {
            JsonNode entry = PythonJson.parse(get("/history/" + a.promptId)).path(a.promptId);
            // the workflow as the server validated it (numbers coerced to their declared types), which is what a
            // replaying server compares a posted workflow with after validating it the same way
            JsonNode fromHistory = entry.path("prompt").path(2); // [number, id, workflow, extra_data, outputs]
            ObjectNode prompt = fromHistory.isObject() ? (ObjectNode) fromHistory : a.prompt;
            if (prompt == null) {
                synchronized (this) {
                    prompt = queued.get(a.promptId);
                }
            }
            if (prompt == null) {
                LOG.log(System.Logger.Level.WARNING, "no workflow known for " + a.promptId + "; not recorded");
                return;
            }
            r.set("prompt", prompt);
            r.set("frames", a.frames);
            r.set("status", entry.path("status"));
            r.set("outputs", entry.path("outputs"));
            r.set("meta", entry.path("meta"));
            ArrayNode files = r.putArray("files");
            List<JsonNode> refs = new ArrayList<>();
            collectFileRefs(entry.path("outputs"), refs);
            for (JsonNode ref : refs) {
                files.add(describe(ref));
            }
        } catch (IOException | InterruptedException e) {
            LOG.log(System.Logger.Level.WARNING, "could not fetch the history of " + a.promptId + " from " + upstream
                    + ": " + e.getMessage());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        synchronized (this) {
            ((ArrayNode) session.get("recordings")).add(r);
            completed++;
        }
        save();
    }

    /** Every {@code {"filename", "subfolder", "type"}} object in a history entry's outputs. */
    private static void collectFileRefs(JsonNode n, List<JsonNode> refs) {
        if (n.isObject() && n.has("filename") && n.has("type")) {
            refs.add(n);
            return;
        }
        for (JsonNode c : n) {
            collectFileRefs(c, refs);
        }
    }

    private ObjectNode describe(JsonNode ref) throws IOException, InterruptedException {
        ObjectNode f = PythonJson.object();
        f.put("filename", ref.path("filename").asText());
        f.put("subfolder", ref.path("subfolder").asText(""));
        f.put("type", ref.path("type").asText());
        HttpResponse<byte[]> view = http.send(HttpRequest.newBuilder(URI.create(base + "/view?filename="
                + enc(ref.path("filename").asText()) + "&subfolder=" + enc(ref.path("subfolder").asText(""))
                + "&type=" + enc(ref.path("type").asText()))).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        byte[] b = view.body();
        f.put("bytes", b.length);
        f.put("content_type", view.headers().firstValue("Content-Type").orElse("application/octet-stream"));
        if (b.length >= 24 && b[0] == (byte) 0x89 && b[1] == 'P' && b[12] == 'I' && b[13] == 'H') {
            f.put("width", readInt(b, 16));
            f.put("height", readInt(b, 20));
        }
        return f;
    }

    private String get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private void save() {
        if (out == null) {
            return;
        }
        String json;
        synchronized (this) {
            json = PythonJson.write(session);
        }
        try {
            Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
            Files.writeString(tmp, json);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the session file " + out, e);
        }
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
