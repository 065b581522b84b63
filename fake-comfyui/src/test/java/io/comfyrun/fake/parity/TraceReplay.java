package io.comfyrun.fake.parity;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replays the requests of recorded traces, in recording order, against a server at {@code baseUrl}, and
 * keeps what that server answered: HTTP responses per recorded exchange, and every WebSocket frame per
 * recorded client name ({@code A}, {@code B}, {@code A2}...), tagged with the trace it arrived during.
 *
 * <p>The recorder waited for events before its next request; the replay does the same by waiting,
 * before each request, until each client has received as many frames as it had in the recording at that
 * point (with a deadline, so a server that sends fewer frames shows up as a difference, not a hang).
 */
final class TraceReplay implements AutoCloseable {

    /** One frame a replayed client received. {@code type} is the JSON {@code type}, or {@code binary:N}. */
    record Frame(String trace, String type, JsonNode msg) {
    }

    /** One replayed HTTP exchange: what the fake answered to the recorded request. */
    record Answer(TraceFile.Http recorded, int status, String contentType, byte[] body) {
        JsonNode json() {
            try {
                return body.length == 0 ? null : TraceFile.JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    private static final Pattern ID_IN_TEXT = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * What the replay can ask the server under test: when the recorder dropped a socket, the recording's next
     * request came long after the server had noticed; the replay waits for the server's own close handler to have
     * run instead of racing it (with the same-clientId bug, whether that handler ran decides who gets the next
     * prompt's events).
     */
    interface ServerSide {
        /** A position in the server's record of socket closes; {@link #closedSince} counts from it. */
        long mark();

        /** Whether the server has run its close handler for a socket of {@code sid} (null: any) since {@code mark}. */
        boolean closedSince(long mark, String sid);

        ServerSide NONE = new ServerSide() {
            @Override
            public long mark() {
                return 0;
            }

            @Override
            public boolean closedSince(long mark, String sid) {
                return true;
            }
        };
    }

    private final URI baseUrl;
    private final Duration syncDeadline;
    private final ServerSide server;
    private final Map<String, String> sidOfClient = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, WebSocket> sockets = new HashMap<>();
    private final Map<String, List<Frame>> frames = new LinkedHashMap<>();
    private final Map<String, List<Answer>> answers = new LinkedHashMap<>();
    private final Map<String, String> recordedToFakeIds = new HashMap<>();
    private final List<String> syncTimeouts = new ArrayList<>();
    private volatile String currentTrace = "";
    /** After one wait in vain, a trace's later waits are short: a broken server must not make the build crawl. */
    private boolean waitedInVain;

    TraceReplay(URI baseUrl, Duration syncDeadline, ServerSide server) {
        this.baseUrl = baseUrl;
        this.syncDeadline = syncDeadline;
        this.server = server;
    }

    /** Frames a client received while {@code trace} was replayed. */
    List<Frame> frames(String trace, String client) {
        synchronized (frames) {
            return frames.getOrDefault(client, List.of()).stream().filter(f -> f.trace().equals(trace)).toList();
        }
    }

    List<Answer> answers(String trace) {
        return answers.getOrDefault(trace, List.of());
    }

    List<String> syncTimeouts() {
        return syncTimeouts;
    }

    /** Replays one trace; {@code beforeTrace} scripts the server for it (a failing node and the like). */
    void replay(TraceFile trace, Consumer<String> beforeTrace) throws Exception {
        currentTrace = trace.name();
        waitedInVain = false;
        beforeTrace.accept(trace.name());
        Map<String, Map<String, Integer>> expected = new HashMap<>();
        List<Answer> traceAnswers = answers.computeIfAbsent(trace.name(), k -> new ArrayList<>());
        for (TraceFile.Event event : trace.events()) {
            if (event instanceof TraceFile.WsText t) {
                expected.computeIfAbsent(t.client(), k -> new HashMap<>()).merge(t.type(), 1, Integer::sum);
                continue;
            }
            if (event instanceof TraceFile.WsBinary b) {
                expected.computeIfAbsent(b.client(), k -> new HashMap<>()).merge("binary:" + b.eventType(), 1, Integer::sum);
                continue;
            }
            if (event instanceof TraceFile.Note) {
                continue;
            }
            awaitFrames(trace.name(), expected, event, false);
            if (event instanceof TraceFile.Http h) {
                traceAnswers.add(send(h));
            } else if (event instanceof TraceFile.WsOpen o) {
                open(o);
            } else if (event instanceof TraceFile.WsSent s) {
                WebSocket ws = sockets.get(s.client());
                if (ws != null) {
                    ws.sendText(TraceFile.JSON.writeValueAsString(s.data()), true).get(5, TimeUnit.SECONDS);
                }
            } else if (event instanceof TraceFile.WsClosed c) {
                WebSocket ws = sockets.remove(c.client());
                if (ws != null) {
                    long mark = server.mark();
                    ws.abort(); // the recorder dropped its connection: no close frame
                    awaitServerClosed(trace.name(), c.client(), mark);
                }
            }
        }
        awaitFrames(trace.name(), expected, null, true);
    }

    /**
     * Waits until every client has received, of every message type, at least as many frames as the
     * recording shows before {@code before}; extra frames of the fake do not end the wait early.
     * {@code status} broadcasts answer the replay's own queue changes, so where they fall is a race; they
     * are waited for only at the end of a trace, never before a request.
     */
    private void awaitFrames(String trace, Map<String, Map<String, Integer>> expected, TraceFile.Event before,
                             boolean includeStatus) throws InterruptedException {
        Instant deadline = Instant.now().plus(waitedInVain ? Duration.ofSeconds(1) : syncDeadline);
        for (Map.Entry<String, Map<String, Integer>> client : expected.entrySet()) {
            for (Map.Entry<String, Integer> type : client.getValue().entrySet()) {
                // a client that closes its socket has seen everything it was sent, status frames included
                boolean closing = before instanceof TraceFile.WsClosed c && c.client().equals(client.getKey());
                if (!includeStatus && !closing && type.getKey().equals("status")) {
                    continue;
                }
                synchronized (frames) {
                    while (count(trace, client.getKey(), type.getKey()) < type.getValue()) {
                        long left = Duration.between(Instant.now(), deadline).toMillis();
                        if (left <= 0) {
                            waitedInVain = true;
                            syncTimeouts.add(trace + ": client " + client.getKey() + " got "
                                    + count(trace, client.getKey(), type.getKey()) + " of " + type.getValue() + " '"
                                    + type.getKey() + "' frames before " + describe(before));
                            break;
                        }
                        frames.wait(left);
                    }
                }
            }
        }
    }

    /** Waits (with the sync deadline, never a fixed pause) until the server has handled the drop of a socket. */
    private void awaitServerClosed(String trace, String client, long mark) throws InterruptedException {
        String sid = sidOfClient.get(client);
        Instant deadline = Instant.now().plus(syncDeadline);
        while (!server.closedSince(mark, sid)) {
            if (Instant.now().isAfter(deadline)) {
                syncTimeouts.add(trace + ": the server never handled the close of client " + client + "'s socket");
                return;
            }
            synchronized (frames) {
                frames.wait(5); // the server's close handler has no event for us to wait on; re-check shortly
            }
        }
    }

    private long count(String trace, String client, String type) {
        return frames(trace, client).stream().filter(f -> f.type().equals(type)).count();
    }

    private static String describe(TraceFile.Event event) {
        if (event instanceof TraceFile.Http h) {
            return h.method() + " " + h.path() + " (" + h.label() + ")";
        }
        return event == null ? "the end of the trace" : event.toString();
    }

    private void open(TraceFile.WsOpen o) throws Exception {
        WebSocket old = sockets.remove(o.client());
        if (old != null) {
            old.abort();
        }
        String pathAndQuery = o.url().replaceFirst("^ws://[^/]+", "");
        URI uri = URI.create(baseUrl.toString().replaceFirst("^http", "ws").replaceAll("/$", "") + pathAndQuery);
        String client = o.client();
        Matcher sid = Pattern.compile("[?&]clientId=([^&]+)").matcher(pathAndQuery);
        if (sid.find()) {
            sidOfClient.put(client, sid.group(1));
        } else {
            sidOfClient.remove(client);
        }
        WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, new Collector(client)).get(10, TimeUnit.SECONDS);
        sockets.put(client, ws);
    }

    private Answer send(TraceFile.Http h) throws Exception {
        String path = mapIds(h.path());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl.toString().replaceAll("/$", "") + path))
                .timeout(Duration.ofSeconds(30));
        if (h.method().equals("GET")) {
            request.GET();
        } else if (h.path().startsWith("/upload/")) {
            Multipart multipart = Multipart.forRecordedUpload(h.label());
            request.header("Content-Type", multipart.contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(multipart.body()));
        } else if (h.req() == null || h.req().isNull()) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            String body = mapIds(TraceFile.JSON.writeValueAsString(h.req()));
            request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        Answer answer = new Answer(h, response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                response.body());
        rememberPromptId(h, answer);
        return answer;
    }

    /** Recorded server-made prompt ids are replaced by the ids the fake made for the same POST. */
    private void rememberPromptId(TraceFile.Http h, Answer answer) {
        if (h.method().equals("POST") && h.path().endsWith("/prompt") && h.status() == 200 && answer.status() == 200) {
            JsonNode json = answer.json();
            if (json != null && json.has("prompt_id")) {
                recordedToFakeIds.put(h.json().get("prompt_id").asText(), json.get("prompt_id").asText());
            }
        }
    }

    private String mapIds(String text) {
        Matcher m = ID_IN_TEXT.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(recordedToFakeIds.getOrDefault(m.group(), m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Override
    public void close() {
        sockets.values().forEach(WebSocket::abort);
        sockets.clear();
    }

    private void received(String client, String type, JsonNode msg) {
        synchronized (frames) {
            frames.computeIfAbsent(client, k -> new ArrayList<>()).add(new Frame(currentTrace, type, msg));
            frames.notifyAll();
        }
    }

    /** Collects one client's frames. */
    private final class Collector implements WebSocket.Listener {
        private final String client;
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        Collector(String client) {
            this.client = client;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String frame = text.toString();
                text.setLength(0);
                JsonNode msg;
                try {
                    msg = TraceFile.JSON.readTree(frame);
                } catch (IOException e) {
                    msg = TraceFile.JSON.getNodeFactory().textNode(frame);
                }
                received(client, msg.path("type").asText("<not json>"), msg);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            binary.write(chunk, 0, chunk.length);
            if (last) {
                byte[] frame = binary.toByteArray();
                binary.reset();
                int event = frame.length >= 4 ? ByteBuffer.wrap(frame, 0, 4).getInt() : -1;
                received(client, "binary:" + event, TraceFile.JSON.getNodeFactory().numberNode(frame.length));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            return CompletableFuture.completedFuture(null);
        }
    }

    /** A multipart/form-data upload rebuilt from a recorded label such as {@code upload_3_{'subfolder': 'sub'}}. */
    record Multipart(String contentType, byte[] body) {
        private static final String BOUNDARY = "----comfyrunParityBoundary";

        static Multipart forRecordedUpload(String label) {
            byte[] png = resource("/comfyui-traces/tiny.png");
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher m = Pattern.compile("'([^']+)': '([^']*)'").matcher(label);
            while (m.find()) {
                fields.put(m.group(1), m.group(2));
            }
            boolean withImage = !label.equals("upload_no_image");
            if (label.equals("upload_different_content_same_name")) {
                png = java.util.Arrays.copyOf(png, png.length + 1); // same name, other bytes
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            StringBuilder head = new StringBuilder();
            for (Map.Entry<String, String> f : fields.entrySet()) {
                head.append("--").append(BOUNDARY).append("\r\nContent-Disposition: form-data; name=\"")
                        .append(f.getKey()).append("\"\r\n\r\n").append(f.getValue()).append("\r\n");
            }
            out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
            if (withImage) {
                out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"tiny.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                out.writeBytes(png);
                out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return new Multipart("multipart/form-data; boundary=" + BOUNDARY, out.toByteArray());
        }

        private static byte[] resource(String name) {
            try (InputStream in = TraceReplay.class.getResourceAsStream(name)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
