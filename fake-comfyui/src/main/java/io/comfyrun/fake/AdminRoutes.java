package io.comfyrun.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.api.ApiRequest;
import io.comfyrun.fake.api.HttpReply;
import io.comfyrun.fake.journal.JournalEntry;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.Scenario;
import io.comfyrun.fake.ws.ClientSocket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import io.comfyrun.fake.json.StrictFields;
import io.comfyrun.fake.scenario.VersionProfile;

/**
 * The admin API under {@value #PREFIX}: the same scenario, fault and journal model as the Java API,
 * for the standalone jar and the container. Runs on the engine thread.
 */
final class AdminRoutes {

    static final String PREFIX = "/__fake/";

    /** A reply plus work to do once it is on the wire (a restart must not cut its own answer). */
    record AdminReply(HttpReply reply, Runnable afterResponse) {
        static AdminReply of(HttpReply r) {
            return new AdminReply(r, null);
        }
    }

    private final FakeComfyUI fake;

    AdminRoutes(FakeComfyUI fake) {
        this.fake = fake;
    }

    static boolean isAdmin(String path) {
        return path.startsWith(PREFIX) || path.equals("/__fake");
    }

    AdminReply handle(ApiRequest req) {
        String r = req.path().substring(Math.min(req.path().length(), PREFIX.length() - 1));
        String m = req.method();
        try {
            return switch (m + " " + r) {
                case "GET /health" -> ok(obj("status", "ok"));
                case "GET /journal" -> AdminReply.of(HttpReply.json(journal(req)));
                case "DELETE /journal", "POST /journal/clear" -> {
                    fake.journal().clear();
                    yield AdminReply.of(HttpReply.empty(204));
                }
                case "GET /scenario" -> ok(fake.scenario().current().toJson());
                case "POST /scenario" -> {
                    fake.scenario().load(runtimeScenario(body(req)));
                    yield ok(fake.scenario().current().toJson());
                }
                case "PUT /scenario" -> {
                    Scenario s = runtimeScenario(body(req));
                    fake.scenario().reset().load(s);
                    yield ok(fake.scenario().current().toJson());
                }
                case "POST /scenario/reset", "POST /reset" -> {
                    fake.scenario().reset();
                    fake.journal().clear();
                    yield ok(fake.scenario().current().toJson());
                }
                case "GET /faults" -> ok(faults());
                case "POST /faults" -> {
                    JsonNode b = body(req);
                    ArrayNode ids = PythonJson.array();
                    List<JsonNode> list = new ArrayList<>();
                    if (b.isArray()) {
                        b.forEach(list::add);
                    } else {
                        list.add(b);
                    }
                    List<Fault> parsed = new ArrayList<>();
                    for (int i = 0; i < list.size(); i++) {
                        try {
                            parsed.add(Fault.fromJson(list.get(i)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException((b.isArray() ? "faults[" + i + "]: " : "")
                                    + e.getMessage(), e);
                        }
                    }
                    // all or nothing: one bad fault in a list installs none of them
                    parsed.forEach(f -> ids.add(fake.faults().add(f).id()));
                    ObjectNode o = PythonJson.object();
                    o.set("ids", ids);
                    yield ok(o);
                }
                case "DELETE /faults" -> {
                    fake.faults().clear();
                    yield AdminReply.of(HttpReply.empty(204));
                }
                case "POST /time-scale" -> {
                    StrictFields f = StrictFields.of(body(req), "the time-scale body", Set.of("time_scale"));
                    Double scale = f.number("time_scale");
                    if (scale == null || !(scale > 0)) {
                        throw new IllegalArgumentException("time_scale must be a number above 0, e.g. "
                                + "{\"time_scale\": 100}, got: " + f.get("time_scale"));
                    }
                    fake.scenario().timeScale(scale);
                    yield ok(obj("time_scale", fake.scenario().timeScale()));
                }
                case "GET /time-scale" -> ok(obj("time_scale", fake.scenario().timeScale()));
                case "GET /version" -> ok(version());
                case "POST /version" -> {
                    StrictFields f = StrictFields.of(body(req), "the version body", Set.of("comfyui_version", "jobs_api"));
                    String v = f.text("comfyui_version");
                    Boolean jobs = f.bool("jobs_api");
                    if (v != null) {
                        VersionProfile.parse(v);
                        fake.scenario().comfyuiVersion(v);
                    }
                    if (jobs != null) {
                        fake.scenario().jobsApi(jobs);
                    }
                    yield ok(version());
                }
                case "POST /object_info" -> {
                    ObjectNode o = PythonJson.object();
                    ArrayNode added = o.putArray("imported");
                    fake.importObjectInfo(body(req)).forEach(added::add);
                    yield ok(o);
                }
                case "POST /restart" -> new AdminReply(HttpReply.empty(204), fake::restartFromEngine);
                case "GET /sockets" -> {
                    ArrayNode a = PythonJson.array();
                    for (ClientSocket s : fake.sockets().all()) {
                        ObjectNode o = a.addObject();
                        o.put("sid", s.sid());
                        o.put("remote", String.valueOf(s.channel().remoteAddress()));
                        o.put("supports_preview_metadata", s.supportsPreviewMetadata());
                        o.put("frames_sent", s.framesSent());
                    }
                    yield ok(a);
                }
                case "POST /models" -> {
                    StrictFields f = StrictFields.of(body(req), "the models body", Set.of("folder", "names"));
                    String folder = f.text("folder");
                    JsonNode list = f.get("names");
                    if (folder == null || folder.isEmpty() || list == null || !list.isArray()) {
                        throw new IllegalArgumentException("the models body needs \"folder\" (e.g. \"checkpoints\")"
                                + " and \"names\" (a list of file names)");
                    }
                    List<String> names = new ArrayList<>();
                    for (JsonNode n : list) {
                        if (!n.isTextual()) {
                            throw new IllegalArgumentException("names in the models body must be strings, got: " + n);
                        }
                        names.add(n.asText());
                    }
                    fake.models(folder, names);
                    yield AdminReply.of(HttpReply.empty(204));
                }
                default -> {
                    if ("DELETE".equals(m) && r.startsWith("/faults/")) {
                        boolean removed = fake.faults().remove(longParam("fault id", r.substring("/faults/".length())));
                        yield AdminReply.of(HttpReply.empty(removed ? 204 : 404));
                    }
                    yield AdminReply.of(HttpReply.json(404, obj("error", "unknown admin route " + m + " " + req.path()
                            + "; see docs/fake-comfyui.md")));
                }
            };
        } catch (IllegalArgumentException e) {
            return AdminReply.of(HttpReply.json(400, obj("error", e.getMessage())));
        }
    }

    /** The journal's query parameters; any other parameter is an error, as is a value that does not parse. */
    static final Set<String> JOURNAL_PARAMS = Set.of("since", "kind", "limit");

    private ObjectNode journal(ApiRequest req) {
        for (String p : req.query().keySet()) {
            if (!JOURNAL_PARAMS.contains(p)) {
                throw new IllegalArgumentException("unknown journal query parameter '" + p + "'; known: "
                        + String.join(", ", new TreeSet<>(JOURNAL_PARAMS)));
            }
        }
        long since = req.param("since") == null ? -1 : longParam("since", req.param("since"));
        String kindParam = req.param("kind");
        JournalEntry.Kind kind = null;
        if (kindParam != null) {
            try {
                kind = JournalEntry.Kind.valueOf(kindParam.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("journal query parameter kind='" + kindParam + "' is not a kind; "
                        + "known: " + Arrays.stream(JournalEntry.Kind.values()).map(Enum::name)
                        .collect(Collectors.joining(", ")));
            }
        }
        long limitValue = req.param("limit") == null ? Integer.MAX_VALUE : longParam("limit", req.param("limit"));
        if (limitValue < 0) {
            throw new IllegalArgumentException("journal query parameter limit must be 0 or more, got: " + limitValue);
        }
        JournalEntry.Kind wanted = kind;
        ObjectNode o = PythonJson.object();
        ArrayNode a = o.putArray("entries");
        int n = 0;
        for (JournalEntry e : fake.journal().entries(e -> e.seq() > since && (wanted == null || e.kind() == wanted))) {
            if (n++ >= limitValue) {
                break;
            }
            a.add(e.toJson());
        }
        o.put("dropped", fake.journal().dropped());
        return o;
    }

    private static long longParam(String name, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got: '" + value + "'");
        }
    }

    /** Front-door options shape the listening routes, so they are fixed when the server starts. */
    private static Scenario runtimeScenario(JsonNode body) {
        if (body.has("recordings") || body.has("object_info")) {
            throw new IllegalArgumentException("recordings and object_info are start-up options of a scenario file "
                    + "(--scenario session.json); at runtime, POST the object_info to /__fake/object_info");
        }
        Scenario s = Scenario.fromJson(body);
        if (s.basePath() != null || s.requireAuth() != null || s.authHeader() != null) {
            throw new IllegalArgumentException("base_path, require_auth and auth_header are start-up options: set them"
                    + " with the builder, --base-path/--require-auth/--auth-header or a --scenario file");
        }
        return s;
    }

    private ObjectNode version() {
        Scenario s = fake.scenario().current();
        ObjectNode o = PythonJson.object();
        o.put("comfyui_version", s.comfyuiVersion());
        o.put("jobs_api", s.jobsApi());
        return o;
    }

    private ArrayNode faults() {
        ArrayNode a = PythonJson.array();
        for (FaultControl.Installed i : fake.faults().list()) {
            ObjectNode o = a.addObject();
            o.put("id", i.id());
            o.put("fired", i.fired());
            o.set("fault", i.fault().toJson());
        }
        return a;
    }

    private static JsonNode body(ApiRequest req) {
        try {
            JsonNode n = PythonJson.parse(req.body());
            if (n == null || n.isMissingNode()) {
                throw new IllegalArgumentException("request body must be JSON");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("request body is not valid JSON: " + e.getMessage());
        }
    }

    private static AdminReply ok(JsonNode n) {
        return AdminReply.of(HttpReply.json(n));
    }

    private static ObjectNode obj(String k, Object v) {
        ObjectNode o = PythonJson.object();
        o.set(k, PythonJson.MAPPER.valueToTree(v));
        return o;
    }
}
