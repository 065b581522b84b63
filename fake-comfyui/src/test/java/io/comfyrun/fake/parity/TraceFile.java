package io.comfyrun.fake.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One recording of a real ComfyUI 0.3.64 (a {@code comfyui-traces/*.jsonl} test resource): one event per
 * line, in the order the tracer saw them. {@code t} is seconds since the tracer started.
 */
public record TraceFile(String name, List<Event> events) {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Every recording the parity tests replay, by file name without {@code .jsonl}. */
    public static final List<String> ALL = List.of("00_connect", "01_http_basic", "02_validation", "02b_partial_run",
            "10_normal_run", "11_cached_run", "12_seed_changed_run", "13_view", "14_fresh_full_run", "20_error_run",
            "30_interrupt_run", "40_queue_run", "41_front_number", "42_dup_id", "50_reconnect", "51_no_client_id",
            "52_legacy_client", "60_misc", "70_dup_clientid", "99_close");

    /** One line of a trace. */
    public sealed interface Event {
        double t();
    }

    /** An HTTP exchange: request body {@code req} (JSON or null) and the JSON response body, if any. */
    public record Http(double t, String label, String method, String path, JsonNode req, int status,
                       String contentType, long len, JsonNode json, JsonNode headers) implements Event {
        public Optional<JsonNode> body() {
            return json == null || json.isNull() || json.isMissingNode() ? Optional.empty() : Optional.of(json);
        }
    }

    /** A WebSocket the tracer opened, as client {@code client} (A, B...). */
    public record WsOpen(double t, String client, String url) implements Event {
    }

    /** A text frame the tracer sent. */
    public record WsSent(double t, String client, JsonNode data) implements Event {
    }

    /** A text frame the server sent: {@code {"type", "data"}}. */
    public record WsText(double t, String client, JsonNode msg) implements Event {
        public String type() {
            return msg.path("type").asText();
        }
    }

    /** A binary frame the server sent, summarised: event type, length, metadata, magic bytes. */
    public record WsBinary(double t, String client, JsonNode bin) implements Event {
        public int eventType() {
            return bin.path("event").asInt();
        }
    }

    /** A WebSocket closed; {@code code} is null when there was no close frame. */
    public record WsClosed(double t, String client, JsonNode code) implements Event {
    }

    /** A remark of the tracer (sizes, keys) with its raw line. */
    public record Note(double t, JsonNode raw) implements Event {
    }

    public static TraceFile load(String name) {
        String resource = "/comfyui-traces/" + name + ".jsonl";
        try (InputStream in = TraceFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("No trace " + resource + " on the test classpath");
            }
            List<Event> events = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    events.add(parse(JSON.readTree(line)));
                }
            }
            return new TraceFile(name, List.copyOf(events));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read trace " + resource, e);
        }
    }

    private static Event parse(JsonNode o) {
        double t = o.path("t").asDouble();
        String client = o.path("client").asText(null);
        switch (o.path("kind").asText()) {
            case "http":
                return new Http(t, o.path("label").asText(), o.path("method").asText(), o.path("path").asText(),
                        o.get("req"), o.path("status").asInt(), o.path("content_type").asText(""),
                        o.path("len").asLong(), o.get("json"), o.get("headers"));
            case "ws_open":
                return new WsOpen(t, client, o.path("url").asText());
            case "ws_sent":
                return new WsSent(t, client, o.get("data"));
            case "ws_text":
                return new WsText(t, client, o.get("msg"));
            case "ws_binary":
                return new WsBinary(t, client, o.get("bin"));
            case "ws_closed":
                return new WsClosed(t, client, o.get("code"));
            default:
                return new Note(t, o);
        }
    }

    /** One recording made of several in a row, under {@code name} (frames that span them stay together). */
    public static TraceFile concat(String name, TraceFile... parts) {
        List<Event> events = new ArrayList<>();
        for (TraceFile part : parts) {
            events.addAll(part.events());
        }
        return new TraceFile(name, List.copyOf(events));
    }

    public List<Http> http() {
        return events.stream().filter(Http.class::isInstance).map(Http.class::cast).toList();
    }

    public List<WsText> wsText(String client) {
        return events.stream().filter(WsText.class::isInstance).map(WsText.class::cast)
                .filter(e -> e.client().equals(client)).toList();
    }

    /** The HTTP exchanges whose label is {@code label} (labels are unique within most traces). */
    public List<Http> http(String label) {
        return http().stream().filter(h -> h.label().equals(label)).toList();
    }
}
