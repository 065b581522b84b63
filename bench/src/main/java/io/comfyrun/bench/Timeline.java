package io.comfyrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.fake.journal.JournalEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fake server's journal reduced to what the benchmarks compare, with every time in microseconds on ONE
 * clock: {@code System.nanoTime()/1000} when the fake runs in this JVM, epoch microseconds (the journal's
 * {@code epoch_micros}) when it is a separate process.
 */
final class Timeline {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One journal entry: kind (HTTP_REQUEST, WS_OUT...), connection, method, path, WS type, text. */
    record Entry(long micros, String kind, String connection, String method, String path, String type, String text) {
    }

    final List<Entry> entries;

    private Timeline(List<Entry> entries) {
        this.entries = entries;
    }

    static Timeline inProcess(List<JournalEntry> journal) {
        List<Entry> out = new ArrayList<>(journal.size());
        for (JournalEntry e : journal) {
            out.add(new Entry(e.nanoTime() / 1_000, e.kind().name(), e.connection(), e.method(), e.path(), e.type(),
                    e.text()));
        }
        return new Timeline(out);
    }

    /** From {@code GET /__fake/journal}. */
    static Timeline fromAdminJson(JsonNode journal) {
        List<Entry> out = new ArrayList<>();
        for (JsonNode e : journal.path("entries")) {
            out.add(new Entry(e.path("epoch_micros").asLong(), e.path("kind").asText(), text(e, "connection"),
                    text(e, "method"), text(e, "path"), text(e, "type"), text(e, "text")));
        }
        return new Timeline(out);
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Send time of the first {@code progress} frame for each (prompt, node, value). */
    Map<String, Long> progressSent() {
        Map<String, Long> sent = new HashMap<>();
        for (Entry e : entries) {
            if ("WS_OUT".equals(e.kind) && "progress".equals(e.type) && e.text != null) {
                JsonNode d = parse(e.text).path("data");
                sent.putIfAbsent(key(d.path("prompt_id").asText(null), d.path("node").asText(null),
                        d.path("value").asInt()), e.micros);
            }
        }
        return sent;
    }

    /** Send time of the first frame of this type for each prompt (e.g. {@code execution_success}). */
    Map<String, Long> firstSent(String type) {
        Map<String, Long> sent = new HashMap<>();
        for (Entry e : entries) {
            if ("WS_OUT".equals(e.kind) && type.equals(e.type) && e.text != null) {
                String id = parse(e.text).path("data").path("prompt_id").asText(null);
                if (id != null) {
                    sent.putIfAbsent(id, e.micros);
                }
            }
        }
        return sent;
    }

    /** HTTP requests received in [from, to] micros, the WebSocket upgrade and the admin API excluded. */
    List<Entry> requestsBetween(long from, long to) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if ("HTTP_REQUEST".equals(e.kind) && e.micros >= from && e.micros <= to && e.path != null
                    && !isUpgradeOrAdmin(e.path)) {
                out.add(e);
            }
        }
        return out;
    }

    static boolean isUpgradeOrAdmin(String path) {
        String p = path.startsWith("/api/") ? path.substring(4) : path;
        return p.startsWith("/ws") || p.startsWith("/__fake");
    }

    List<Entry> ofKind(String kind) {
        return entries.stream().filter(e -> kind.equals(e.kind)).toList();
    }

    static String key(String promptId, String node, int value) {
        return promptId + "|" + node + "|" + value;
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }
}
