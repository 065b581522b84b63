package io.comfyrun.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The ComfyUI REST routes the engine and its callers use, with this server's auth, timeouts and base path
 * applied. Every call blocks the calling thread for at most the configured call timeout (streamed
 * {@link #view} bodies excepted: they are bounded by the read timeout per read). Obtain it from
 * {@link ComfyClient#http(ServerConfig)}.
 */
public final class ComfyHttpApi {

    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final ServerConfig server;
    private final OkHttpClient client;
    private final long callTimeoutMillis;

    ComfyHttpApi(ServerConfig server, OkHttpClient client) {
        this.server = Objects.requireNonNull(server);
        this.client = Objects.requireNonNull(client);
        this.callTimeoutMillis = server.timeouts().call().toMillis();
    }

    public ServerConfig server() {
        return server;
    }

    /** {@code POST /prompt}. Never retried here; the caller decides (see the submit logic). */
    public PostPromptResponse postPrompt(ObjectNode body) throws IOException {
        Request req = request("prompt").post(RequestBody.create(write(body), JSON)).build();
        return exchange(req, resp -> {
            String text = resp.isRedirect() ? redirectTarget(req, resp) : bodyText(resp);
            return new PostPromptResponse(resp.code(), Json.parseLenient(text), text);
        });
    }

    /** {@code GET /queue}, pending entries sorted by {@code number}. */
    public QueueSnapshot queue() throws IOException {
        Request req = request("queue").get().build();
        return exchange(req, resp -> {
            if (!resp.isSuccessful()) {
                throw error(req, resp);
            }
            String text = bodyText(resp);
            // Every pending prompt comes with its whole workflow (megabytes with 1,000 queued): read only the
            // number, id and client_id of each, without building the tree. Any other shape: the tree, as before.
            QueueSnapshot fast = queueStreamed(text);
            if (fast != null) {
                return fast;
            }
            JsonNode q = Json.parseLenient(text);
            if (q.isMissingNode()) {
                throw new IOException("GET queue on " + server.baseUrl()
                        + " did not return JSON; is this a ComfyUI server? Body starts: "
                        + text.substring(0, Math.min(120, text.length())));
            }
            return new QueueSnapshot(queueItems(q.path("queue_running")), queueItems(q.path("queue_pending")));
        });
    }

    /** The usual {@code /queue} shape read token by token; null for anything unusual (the caller reads the tree). */
    private static QueueSnapshot queueStreamed(String text) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            List<QueueSnapshot.Item> running = List.of();
            List<QueueSnapshot.Item> pending = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if ("queue_running".equals(field) || "queue_pending".equals(field)) {
                    List<QueueSnapshot.Item> items = queueItemsStreamed(p);
                    if (items == null) {
                        return null;
                    }
                    if ("queue_running".equals(field)) {
                        running = items;
                    } else {
                        pending = items;
                    }
                } else {
                    p.skipChildren();
                }
            }
            return p.currentToken() == JsonToken.END_OBJECT
                    ? new QueueSnapshot(running, pending) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static List<QueueSnapshot.Item> queueItemsStreamed(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            return null;
        }
        List<QueueSnapshot.Item> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                return null;
            }
            double number = 0;
            String id = null;
            String clientId = null;
            int i = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY;
                 t = p.nextToken(), i++) {
                if (t == null) {
                    return null;
                }
                if (i == 0) {
                    if (!t.isNumeric()) {
                        return null;
                    }
                    number = p.getDoubleValue();
                } else if (i == 1) {
                    if (t != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    id = p.getText();
                } else if (i == 3 && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("client_id".equals(name)) {
                            if (v == JsonToken.VALUE_STRING) {
                                clientId = p.getText();
                            } else if (v == JsonToken.VALUE_NULL) {
                                clientId = null;
                            } else {
                                return null;
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (i >= 2) {
                items.add(new QueueSnapshot.Item(number, id, clientId));
            }
        }
        return items;
    }

    /** {@code GET /history/{id}}: the entry, or empty when the server says {@code {}} (unknown OR not finished). */
    public Optional<JsonNode> history(String promptId) throws IOException {
        JsonNode h = getJson("history/" + encodePath(promptId));
        JsonNode entry = h.get(promptId);
        return entry == null || entry.isNull() ? Optional.empty() : Optional.of(entry);
    }

    /** {@code POST /queue {"delete": [...]}}: removes pending prompts; unknown ids are ignored by the server. */
    public void deleteFromQueue(List<String> promptIds) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        promptIds.forEach(body.putArray("delete")::add);
        postJsonExpectOk("queue", body);
    }

    /**
     * {@code POST /interrupt}. With a prompt id it is targeted (servers ≥ 0.3.57); {@code null} is a GLOBAL
     * interrupt of whatever runs. Servers older than 0.3.57 ignore the body, so a targeted call is global
     * there: use {@link ComfyClient}'s cancel, which checks first.
     */
    public void interrupt(String promptIdOrNull) throws IOException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (promptIdOrNull != null) {
            body.put("prompt_id", promptIdOrNull);
        }
        postJsonExpectOk("interrupt", body);
    }

    /**
     * {@code POST /api/jobs/{id}/cancel} (newer servers). Returns {@code false} when the server does not
     * have the jobs API (404/405), {@code true} when it accepted the request.
     */
    public boolean cancelJob(String promptId) throws IOException {
        Request req = request("api/jobs/" + encodePath(promptId) + "/cancel")
                .post(RequestBody.create(new byte[0], JSON)).build();
        return exchange(req, resp -> {
            if (resp.code() == 404 || resp.code() == 405) {
                return false;
            }
            if (!resp.isSuccessful()) {
                throw error(req, resp);
            }
            return true;
        });
    }

    /** {@code GET /system_stats}: a health and version probe. */
    public JsonNode systemStats() throws IOException {
        return getJson("system_stats");
    }

    /** {@code system.comfyui_version} from {@code /system_stats}, if present. */
    public Optional<String> comfyVersion() throws IOException {
        return Optional.ofNullable(Json.text(systemStats().path("system"), "comfyui_version"));
    }

    /** {@code GET /object_info} (hundreds of KB on a real server). */
    public JsonNode objectInfo() throws IOException {
        return getJson("object_info");
    }

    /** {@code GET /object_info/{class}}: {@code {}} for an unknown class. */
    public JsonNode objectInfo(String classType) throws IOException {
        return getJson("object_info/" + encodePath(classType));
    }

    /** {@code GET /features}: the server's feature flags. */
    public JsonNode features() throws IOException {
        return getJson("features");
    }

    /** {@code GET /prompt}: {@code exec_info.queue_remaining}. */
    public int queueRemaining() throws IOException {
        return getJson("prompt").path("exec_info").path("queue_remaining").asInt();
    }

    /** Any JSON GET route under the base path, e.g. {@code getJson("models/checkpoints")}. */
    public JsonNode getJson(String route) throws IOException {
        Request req = request(route).get().build();
        return exchange(req, resp -> {
            if (!resp.isSuccessful()) {
                throw error(req, resp);
            }
            String text = bodyText(resp);
            JsonNode node = Json.parseLenient(text);
            if (node.isMissingNode()) {
                throw new IOException("GET " + route + " on " + server.baseUrl()
                        + " did not return JSON; is this a ComfyUI server? Body starts: "
                        + text.substring(0, Math.min(120, text.length())));
            }
            return node;
        });
    }

    /**
     * {@code GET /view}: streams a file. The caller must close the response. No call timeout applies (large
     * videos); each read is bounded by the read timeout.
     */
    public ViewResponse view(String filename, String subfolder, String type) throws IOException {
        HttpUrl.Builder url = url("view").newBuilder().addQueryParameter("filename", filename);
        if (subfolder != null && !subfolder.isEmpty()) {
            url.addQueryParameter("subfolder", subfolder);
        }
        url.addQueryParameter("type", type == null || type.isEmpty() ? "output" : type);
        Request req = new Request.Builder().url(url.build()).get().build();
        Call call = client.newCall(req);
        Response resp = call.execute();
        if (!resp.isSuccessful()) {
            try (resp) {
                throw error(req, resp);
            }
        }
        ResponseBody body = resp.body();
        MediaType mt = body.contentType();
        return new ViewResponse(body.byteStream(), body.contentLength(), mt == null ? null : mt.toString(), resp);
    }

    public ViewResponse view(OutputRef output) throws IOException {
        return view(output.filename(), output.subfolder(), output.type());
    }

    /**
     * How long one {@code POST /upload/image} may take by default, request body included: 10 minutes, enough for
     * ComfyUI's 100 MB upload limit over a slow link. The server's call timeout is meant for small JSON calls.
     */
    public static final Duration DEFAULT_UPLOAD_TIMEOUT = Duration.ofMinutes(10);

    /** {@code POST /upload/image} of a file on disk, within {@link #DEFAULT_UPLOAD_TIMEOUT}. */
    public UploadedFile uploadImage(String name, Path file, String subfolder, String type, boolean overwrite)
            throws IOException {
        return uploadImage(name, file, subfolder, type, overwrite, DEFAULT_UPLOAD_TIMEOUT);
    }

    /** {@code POST /upload/image} of a file on disk; the whole call (sending included) is bounded by {@code timeout}. */
    public UploadedFile uploadImage(String name, Path file, String subfolder, String type, boolean overwrite,
                                    Duration timeout) throws IOException {
        return upload(name, RequestBody.create(file.toFile(), MediaType.get("application/octet-stream")),
                subfolder, type, overwrite, timeout);
    }

    /** {@code POST /upload/image} of bytes in memory, within {@link #DEFAULT_UPLOAD_TIMEOUT}. */
    public UploadedFile uploadImage(String name, byte[] data, String subfolder, String type, boolean overwrite)
            throws IOException {
        return uploadImage(name, data, subfolder, type, overwrite, DEFAULT_UPLOAD_TIMEOUT);
    }

    /** {@code POST /upload/image} of bytes in memory; the whole call is bounded by {@code timeout}. */
    public UploadedFile uploadImage(String name, byte[] data, String subfolder, String type, boolean overwrite,
                                    Duration timeout) throws IOException {
        return upload(name, RequestBody.create(data, MediaType.get("application/octet-stream")), subfolder, type,
                overwrite, timeout);
    }

    private UploadedFile upload(String name, RequestBody file, String subfolder, String type, boolean overwrite,
                                Duration timeout) throws IOException {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("upload timeout must be positive, got " + timeout);
        }
        MultipartBody.Builder mb = new MultipartBody.Builder().setType(MultipartBody.FORM)
                .addFormDataPart("image", name, file)
                .addFormDataPart("overwrite", overwrite ? "true" : "false")
                .addFormDataPart("type", type == null || type.isEmpty() ? "input" : type);
        if (subfolder != null && !subfolder.isEmpty()) {
            mb.addFormDataPart("subfolder", subfolder);
        }
        Request req = request("upload/image").post(mb.build()).build();
        Call call = client.newCall(req);
        call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        try (Response resp = call.execute()) {
            if (!resp.isSuccessful()) {
                throw error(req, resp);
            }
            JsonNode n = Json.parseLenient(bodyText(resp));
            return new UploadedFile(Json.text(n, "name"), n.path("subfolder").asText(""), n.path("type").asText("input"));
        } catch (java.io.InterruptedIOException e) {
            if (!call.isCanceled() && !"timeout".equals(e.getMessage())) {
                throw e;
            }
            throw new IOException("upload of " + name + " to " + server.baseUrl() + " (POST /upload/image) did not"
                    + " complete within the upload timeout of " + timeout.toMillis() + " ms; raise it for large files"
                    + " or slow links", e);
        }
    }

    private void postJsonExpectOk(String route, ObjectNode body) throws IOException {
        Request req = request(route).post(RequestBody.create(write(body), JSON)).build();
        exchange(req, resp -> {
            if (!resp.isSuccessful()) {
                throw error(req, resp);
            }
            return null;
        });
    }

    /** Reads one answer within the call timeout, which also bounds the body (a trickling answer ends there). */
    private interface AnswerReader<T> {
        T read(Response resp) throws IOException;
    }

    private <T> T exchange(Request req, AnswerReader<T> reader) throws IOException {
        try (Response resp = call(req)) {
            return reader.read(resp);
        } catch (java.io.InterruptedIOException e) {
            throw timedOut(req, e);
        } catch (javax.net.ssl.SSLHandshakeException e) {
            throw handshakeFailed(req, e);
        }
    }

    /** Says whether the certificate is the problem and, if so, how to trust it (the JSSE message alone does not). */
    private javax.net.ssl.SSLHandshakeException handshakeFailed(Request req, javax.net.ssl.SSLHandshakeException e) {
        boolean certificate = false;
        String detail = e.getMessage();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.security.cert.CertificateException || c instanceof java.security.cert.CertPathBuilderException
                    || c instanceof java.security.cert.CertPathValidatorException) {
                certificate = true;
                detail = c.getMessage();
            }
        }
        String what = "TLS handshake of " + req.method() + " " + req.url().encodedPath() + " with " + server.baseUrl()
                + " failed: ";
        String message = !certificate ? what + detail
                : what + "the server's certificate is not trusted (" + detail + "); "
                + (server.trustedCertificates() == null
                ? "if it is self-signed or from a private CA, trust it with that certificate in a PEM file"
                + " (ServerConfig.withTrustedCertificates, CLI --ca-cert FILE)"
                : "it does not chain to a certificate in " + server.trustedCertificates());
        javax.net.ssl.SSLHandshakeException named = new javax.net.ssl.SSLHandshakeException(message);
        named.initCause(e);
        return named;
    }

    /**
     * OkHttp says only "timeout": name the route, the server and which bound ran out. The type is kept (a
     * {@link java.net.SocketTimeoutException} stays one) for callers that tell timeouts apart.
     */
    private java.io.InterruptedIOException timedOut(Request req, java.io.InterruptedIOException e) {
        String what = req.method() + " " + req.url().encodedPath() + " on " + server.baseUrl();
        java.io.InterruptedIOException named;
        if (e instanceof java.net.SocketTimeoutException) {
            named = new java.net.SocketTimeoutException(what + " timed out (" + e.getMessage() + "): connect timeout "
                    + server.timeouts().connect().toMillis() + " ms, read timeout " + server.timeouts().read().toMillis()
                    + " ms");
        } else if ("timeout".equals(e.getMessage())) {
            named = new java.io.InterruptedIOException(what + " gave no complete answer within the call timeout of "
                    + callTimeoutMillis + " ms (a server that answers but never finishes is cut off here)");
        } else {
            return e; // interrupted: not a timeout
        }
        named.initCause(e);
        return named;
    }

    private Response call(Request req) throws IOException {
        Call call = client.newCall(req);
        call.timeout().timeout(callTimeoutMillis, TimeUnit.MILLISECONDS);
        return call.execute();
    }

    private Request.Builder request(String route) {
        return new Request.Builder().url(url(route));
    }

    private HttpUrl url(String route) {
        URI uri = server.resolve(route);
        HttpUrl url = HttpUrl.get(uri.toString());
        return Objects.requireNonNull(url, () -> "not an http(s) URL: " + uri);
    }

    private ComfyHttpException error(Request req, Response resp) throws IOException {
        String text = resp.isRedirect() ? redirectTarget(req, resp) : bodyText(resp);
        String route = req.url().encodedPath();
        return new ComfyHttpException(server.baseUrl(), req.method(), route, resp.code(), text);
    }

    /**
     * Where a redirect points, for the error message: scheme, host, port and path only (a Location chosen by a
     * hostile server may carry user info or a query meant to be echoed).
     */
    private static String redirectTarget(Request req, Response resp) {
        String location = resp.header("Location");
        HttpUrl target = location == null ? null : req.url().resolve(location);
        if (target == null) {
            return "redirect without a usable Location header";
        }
        return "redirect to " + target.scheme() + "://" + target.host() + ":" + target.port() + target.encodedPath()
                + (target.host().equals(req.url().host()) && target.port() == req.url().port() ? " (same host)"
                : " (another host: " + target.host() + ":" + target.port() + ")");
    }

    private static String bodyText(Response resp) throws IOException {
        ResponseBody b = resp.body();
        if (b == null) {
            return "";
        }
        if (!resp.isSuccessful()) {
            // Bound what an error page can cost us.
            okio.BufferedSource src = b.source();
            src.request(MAX_ERROR_BODY);
            okio.Buffer buf = src.getBuffer();
            return buf.readUtf8(Math.min(buf.size(), MAX_ERROR_BODY));
        }
        return b.string();
    }

    private static List<QueueSnapshot.Item> queueItems(JsonNode arr) {
        List<QueueSnapshot.Item> items = new ArrayList<>();
        for (JsonNode item : arr) {
            if (item.isArray() && item.size() >= 2) {
                items.add(new QueueSnapshot.Item(item.get(0).asDouble(), item.get(1).asText(),
                        Json.text(item.path(3), "client_id")));
            }
        }
        return items;
    }

    private static byte[] write(JsonNode body) throws JsonProcessingException {
        return Json.MAPPER.writeValueAsBytes(body);
    }

    private static String encodePath(String segment) {
        return HttpUrl.get("http://x/").newBuilder().addPathSegment(segment).build().encodedPath().substring(1);
    }
}
