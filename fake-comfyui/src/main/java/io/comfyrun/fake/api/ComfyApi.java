package io.comfyrun.fake.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.execution.PromptQueue;
import io.comfyrun.fake.execution.PromptWorker;
import io.comfyrun.fake.execution.QueueItem;
import io.comfyrun.fake.files.FileStore;
import io.comfyrun.fake.files.FileStore.FolderType;
import io.comfyrun.fake.files.FileStore.Lookup;
import io.comfyrun.fake.files.FileStore.SavedFile;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.SeededRandom;
import io.comfyrun.fake.scenario.VersionProfile;
import io.comfyrun.fake.validation.PromptValidator;
import io.comfyrun.fake.validation.ValidationResult;
import io.comfyrun.fake.ws.Sockets;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ComfyUI's HTTP routes (protocol reference §7), each also under {@code /api}. Runs on the engine
 * thread, so it sees the queue and the worker in a consistent state.
 */
public final class ComfyApi {

    private static final List<String> SENSITIVE_EXTRA_DATA_KEYS = List.of("auth_token_comfy_org", "api_key_comfy_org");

    private final PromptQueue queue;
    private final PromptWorker worker;
    private final FileStore files;
    private final NodeCatalog catalog;
    private final PromptValidator validator;
    private final SeededRandom random;
    private final int maxUploadSize;
    private final VersionProfile version;

    public ComfyApi(PromptQueue queue, PromptWorker worker, FileStore files, NodeCatalog catalog,
                    SeededRandom random, int maxUploadSize, VersionProfile version) {
        this.version = version;
        this.queue = queue;
        this.worker = worker;
        this.files = files;
        this.catalog = catalog;
        this.validator = new PromptValidator(catalog, files);
        this.random = random;
        this.maxUploadSize = maxUploadSize;
    }

    public HttpReply handle(ApiRequest req) {
        if (originRejected(req)) {
            return HttpReply.empty(403);
        }
        if ("OPTIONS".equals(req.method())) {
            return HttpReply.empty(200);
        }
        try {
            return route(req);
        } catch (BadRequestBody e) {
            return HttpReply.serverError();
        }
    }

    private HttpReply route(ApiRequest req) {
        String r = req.route();
        String m = req.method();
        if ("GET".equals(m)) {
            switch (r) {
                case "/prompt" -> {
                    ObjectNode o = PythonJson.object();
                    o.putObject("exec_info").put("queue_remaining", queue.remaining());
                    return HttpReply.json(o);
                }
                case "/queue" -> {
                    return HttpReply.json(queue.queueJson());
                }
                case "/history" -> {
                    return history(req);
                }
                case "/view" -> {
                    return view(req);
                }
                case "/system_stats" -> {
                    return HttpReply.json(systemStats());
                }
                case "/object_info" -> {
                    return HttpReply.json(catalog.objectInfoAll());
                }
                case "/features" -> {
                    if (!version.atLeast0345()) {
                        return HttpReply.notFound(); // added with the feature flags in 0.3.45
                    }
                    return HttpReply.json(Sockets.featureFlags(maxUploadSize));
                }
                case "/embeddings" -> {
                    ArrayNode a = PythonJson.array();
                    files.models("embeddings").forEach(n -> a.add(n.replaceFirst("\\.[^.]+$", "")));
                    return HttpReply.json(a);
                }
                case "/models" -> {
                    ArrayNode a = PythonJson.array();
                    FileStore.MODEL_FOLDERS.forEach(a::add);
                    return HttpReply.json(a);
                }
                case "/extensions" -> {
                    return HttpReply.json(PythonJson.array());
                }
                case "/", "/index.html" -> {
                    return new HttpReply(200, "text/html", ("<!doctype html><title>fake-comfyui</title>"
                            + "<p>fake-comfyui: a fake ComfyUI 0.3.64 server for tests. See /__fake/journal.")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
                }
                default -> {
                    if (r.startsWith("/history/")) {
                        String id = r.substring("/history/".length());
                        ObjectNode o = PythonJson.object();
                        ObjectNode e = queue.historyEntry(id);
                        if (e != null) {
                            o.set(id, e);
                        }
                        return HttpReply.json(o);
                    }
                    if (r.startsWith("/object_info/")) {
                        return HttpReply.json(catalog.objectInfoBody(r.substring("/object_info/".length())));
                    }
                    if (r.startsWith("/models/")) {
                        List<String> names = files.folder(r.substring("/models/".length()));
                        if (names == null) {
                            return HttpReply.empty(404);
                        }
                        ArrayNode a = PythonJson.array();
                        names.forEach(a::add);
                        return HttpReply.json(a);
                    }
                    return HttpReply.notFound();
                }
            }
        }
        if ("POST".equals(m)) {
            switch (r) {
                case "/prompt" -> {
                    return postPrompt(req);
                }
                case "/queue" -> {
                    return postQueue(req);
                }
                case "/interrupt" -> {
                    JsonNode body = jsonOrEmpty(req);
                    JsonNode pid = version.targetedInterrupt() ? body.get("prompt_id") : null; // older: always global
                    worker.interrupt(pid == null || pid.isNull() ? null : pid.asText());
                    return HttpReply.empty(200);
                }
                case "/free" -> {
                    JsonNode body = jsonOrEmpty(req);
                    if (body.path("free_memory").asBoolean(false)) {
                        worker.freeMemory();
                    }
                    return HttpReply.empty(200);
                }
                case "/history" -> {
                    JsonNode body = json(req);
                    if (body.path("clear").asBoolean(false)) {
                        queue.clearHistory();
                    }
                    for (JsonNode id : body.path("delete")) {
                        queue.deleteHistory(id.asText());
                    }
                    return HttpReply.empty(200);
                }
                case "/upload/image", "/upload/mask" -> {
                    return upload(req);
                }
                default -> {
                    if (version.jobsApi() && req.path().startsWith("/api/jobs/") && r.endsWith("/cancel")) {
                        return cancelJob(r.substring("/jobs/".length(), r.length() - "/cancel".length()));
                    }
                    return HttpReply.notFound();
                }
            }
        }
        return HttpReply.notFound();
    }

    private HttpReply postPrompt(ApiRequest req) {
        JsonNode json = json(req);
        if (!json.isObject()) {
            throw new BadRequestBody();
        }
        Number number;
        if (json.has("number")) {
            JsonNode n = json.get("number");
            try {
                number = n.isNumber() ? n.asDouble() : Double.parseDouble(n.asText());
            } catch (NumberFormatException e) {
                throw new BadRequestBody();
            }
        } else {
            long n = queue.nextNumber();
            number = json.path("front").asBoolean(false) || truthy(json.get("front")) ? -n : n;
        }
        JsonNode prompt = json.get("prompt");
        List<String> targets = null;
        if (json.hasNonNull("partial_execution_targets")) {
            targets = new ArrayList<>();
            for (JsonNode t : json.get("partial_execution_targets")) {
                targets.add(t.asText());
            }
        }
        ValidationResult outcome = validator.validate(prompt, targets);
        if (outcome instanceof ValidationResult.Rejected rejected) {
            return HttpReply.json(400, rejected.body());
        }
        if (outcome instanceof ValidationResult.Crashed) {
            throw new BadRequestBody();
        }
        ValidationResult.Accepted ok = (ValidationResult.Accepted) outcome;
        // before 0.3.45 (PR #8189) a client-chosen prompt_id was ignored
        String promptId = version.atLeast0345() && json.has("prompt_id") && !json.get("prompt_id").isNull()
                ? (json.get("prompt_id").isTextual() ? json.get("prompt_id").asText() : json.get("prompt_id").toString())
                : random.uuid4();
        ObjectNode extra = json.path("extra_data").isObject() ? ((ObjectNode) json.get("extra_data")).deepCopy()
                : PythonJson.object();
        if (json.has("client_id")) {
            extra.set("client_id", json.get("client_id"));
        }
        SENSITIVE_EXTRA_DATA_KEYS.forEach(extra::remove);
        QueueItem item = new QueueItem(number, promptId, ok.validatedPrompt(), extra, ok.outputsToExecute(),
                queue.nextSeq());
        queue.put(item);
        worker.queueUpdated();
        worker.kick();
        ObjectNode resp = PythonJson.object();
        resp.put("prompt_id", promptId);
        if (number instanceof Double d) {
            resp.put("number", d);
        } else {
            resp.put("number", number.longValue());
        }
        resp.set("node_errors", ok.nodeErrors());
        return HttpReply.json(resp);
    }

    /**
     * {@code POST /api/jobs/{id}/cancel} (PR #14493): a pending job leaves the queue, a running one is
     * interrupted, and a finished or unknown id is "nothing to do"; every case answers 200. The reference
     * does not give the response body, so it is empty here.
     */
    private HttpReply cancelJob(String id) {
        if (id.isEmpty() || id.contains("/")) {
            return HttpReply.notFound();
        }
        if (queue.deletePending(id)) {
            worker.queueUpdated();
        } else if (id.equals(worker.runningPromptId())) {
            worker.interrupt(id);
        }
        return HttpReply.empty(200);
    }

    private static boolean truthy(JsonNode n) {
        if (n == null || n.isNull()) {
            return false;
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isNumber()) {
            return n.asDouble() != 0;
        }
        if (n.isTextual()) {
            return !n.asText().isEmpty();
        }
        return n.size() > 0;
    }

    private HttpReply postQueue(ApiRequest req) {
        JsonNode body = json(req);
        if (body.has("clear") && truthy(body.get("clear"))) {
            queue.clearPending();
            worker.queueUpdated();
        }
        if (body.has("delete")) {
            for (JsonNode id : body.get("delete")) {
                if (queue.deletePending(id.asText())) {
                    worker.queueUpdated();
                }
            }
        }
        return HttpReply.empty(200);
    }

    private HttpReply history(ApiRequest req) {
        Integer maxItems = null;
        int offset = -1;
        try {
            if (req.param("max_items") != null) {
                maxItems = Integer.parseInt(req.param("max_items"));
            }
            if (req.param("offset") != null) {
                offset = Integer.parseInt(req.param("offset"));
            }
        } catch (NumberFormatException e) {
            return HttpReply.serverError();
        }
        return HttpReply.json(queue.historyJson(maxItems, offset));
    }

    private HttpReply view(ApiRequest req) {
        String filename = req.param("filename");
        Lookup l = files.lookup(filename, req.param("subfolder"), req.param("type"));
        if (l instanceof Lookup.BadRequest) {
            return HttpReply.empty(400);
        }
        if (l instanceof Lookup.Forbidden) {
            return HttpReply.empty(403);
        }
        if (!(l instanceof Lookup.Found found)) {
            return HttpReply.empty(404);
        }
        try {
            byte[] bytes = Files.readAllBytes(found.file());
            String name = found.file().getFileName().toString();
            return new HttpReply(200, mimeOf(name), bytes, Map.of("Content-Disposition", "filename=\"" + name + "\""));
        } catch (IOException e) {
            return HttpReply.empty(404);
        }
    }

    static String mimeOf(String name) {
        String n = name.toLowerCase();
        if (n.endsWith(".png")) {
            return "image/png";
        }
        if (n.endsWith(".jpg") || n.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (n.endsWith(".webp")) {
            return "image/webp";
        }
        if (n.endsWith(".gif")) {
            return "image/gif";
        }
        if (n.endsWith(".mp4")) {
            return "video/mp4";
        }
        if (n.endsWith(".txt")) {
            return "text/plain";
        }
        return "application/octet-stream";
    }

    private HttpReply upload(ApiRequest req) {
        if (req.files() == null) {
            return HttpReply.empty(400);
        }
        ApiRequest.FilePart image = req.files().stream().filter(f -> "image".equals(f.field())).findFirst()
                .orElse(null);
        if (image == null || image.filename() == null || image.filename().isEmpty()) {
            return HttpReply.empty(400);
        }
        if (image.content().length > maxUploadSize) {
            return HttpReply.empty(413);
        }
        Map<String, String> form = req.form() == null ? Map.of() : req.form();
        String overwrite = form.get("overwrite");
        boolean ow = "true".equals(overwrite) || "1".equals(overwrite);
        FolderType type = FolderType.fromWire(form.getOrDefault("type", "input"));
        if (type == null) {
            type = FolderType.INPUT;
        }
        String subfolder = form.getOrDefault("subfolder", "");
        try {
            SavedFile saved = files.upload(image.filename(), image.content(), subfolder, type, ow);
            if (saved == null) {
                return HttpReply.empty(400);
            }
            ObjectNode o = PythonJson.object();
            o.put("name", saved.filename());
            o.put("subfolder", saved.subfolder());
            o.put("type", saved.type().wireName());
            return HttpReply.json(o);
        } catch (IOException e) {
            return HttpReply.serverError();
        }
    }

    private ObjectNode systemStats() {
        Runtime rt = Runtime.getRuntime();
        ObjectNode o = PythonJson.object();
        ObjectNode s = o.putObject("system");
        s.put("os", System.getProperty("os.name", "").toLowerCase().contains("win") ? "nt" : "posix");
        s.put("ram_total", rt.maxMemory());
        s.put("ram_free", rt.maxMemory() - rt.totalMemory() + rt.freeMemory());
        s.put("comfyui_version", version.version());
        s.put("required_frontend_version", "1.27.10");
        s.putNull("installed_templates_version");
        s.put("required_templates_version", "0.1.95");
        s.put("python_version", "3.11.7 (fake-comfyui on Java " + System.getProperty("java.version") + ")");
        s.put("pytorch_version", "2.13.0+fake");
        s.put("embedded_python", false);
        ArrayNode argv = s.putArray("argv");
        argv.add("main.py");
        argv.add("--fake-comfyui");
        ObjectNode dev = o.putArray("devices").addObject();
        dev.put("name", "cpu");
        dev.put("type", "cpu");
        dev.putNull("index");
        dev.put("vram_total", rt.maxMemory());
        dev.put("vram_free", rt.maxMemory());
        dev.put("torch_vram_total", rt.maxMemory());
        dev.put("torch_vram_free", rt.maxMemory());
        return o;
    }

    /** The origin-only middleware: a loopback Host with a different Origin is refused (403). */
    public static boolean originRejected(ApiRequest req) {
        String host = req.header("host");
        String origin = req.header("origin");
        if (host == null || origin == null) {
            return false;
        }
        String hostName = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        boolean loopback = hostName.equals("localhost") || hostName.startsWith("127.") || hostName.equals("[::1]");
        if (!loopback) {
            return false;
        }
        String o = origin.contains("://") ? origin.substring(origin.indexOf("://") + 3) : origin;
        int slash = o.indexOf('/');
        if (slash >= 0) {
            o = o.substring(0, slash);
        }
        return !o.equalsIgnoreCase(host);
    }

    private static JsonNode json(ApiRequest req) {
        try {
            JsonNode n = PythonJson.parse(req.body());
            if (n == null || n.isMissingNode()) {
                throw new BadRequestBody();
            }
            return n;
        } catch (IOException e) {
            throw new BadRequestBody();
        }
    }

    private static JsonNode jsonOrEmpty(ApiRequest req) {
        try {
            JsonNode n = PythonJson.parse(req.body());
            return n == null || !n.isObject() ? PythonJson.object() : n;
        } catch (IOException e) {
            return PythonJson.object();
        }
    }

    /** A body the real server would crash on: aiohttp answers 500. */
    private static final class BadRequestBody extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequestBody() {
            super(null, null, false, false);
        }
    }
}
