package io.comfyrun.fake.journal;

import io.comfyrun.fake.journal.JournalEntry.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The ordered record of every HTTP request and response, WebSocket frame in and out, connection event
 * and injected fault. Thread-safe; bounded so a long benchmark cannot exhaust memory (oldest entries go
 * first; {@link #dropped()} says how many).
 */
public final class Journal {

    private final int capacity;
    private final ArrayDeque<JournalEntry> entries = new ArrayDeque<>();
    private long nextSeq;
    private long dropped;
    private volatile boolean recordFrames = true;

    public Journal(int capacity) {
        this.capacity = capacity;
    }

    /** Frame recording can be switched off for benchmarks; requests and faults are always kept. */
    public void recordFrames(boolean on) {
        this.recordFrames = on;
    }

    public boolean recordsFrames() {
        return recordFrames;
    }

    public void record(Kind kind, String connection, String method, String path, int status, String type,
                       String text) {
        if (!recordFrames && (kind == Kind.WS_OUT || kind == Kind.WS_IN)) {
            return;
        }
        long nano = System.nanoTime();
        long millis = System.currentTimeMillis();
        synchronized (entries) {
            entries.addLast(new JournalEntry(nextSeq++, millis, nano, kind, connection, method, path, status, type,
                    text));
            if (entries.size() > capacity) {
                entries.removeFirst();
                dropped++;
            }
        }
    }

    public void fault(String connection, String faultKind, String description) {
        record(Kind.FAULT, connection, null, null, 0, faultKind, description);
    }

    /** A copy of every entry still held, oldest first. */
    public List<JournalEntry> entries() {
        synchronized (entries) {
            return new ArrayList<>(entries);
        }
    }

    public List<JournalEntry> entries(Predicate<JournalEntry> filter) {
        synchronized (entries) {
            return entries.stream().filter(filter).toList();
        }
    }

    /**
     * HTTP requests with this method and path, with or without the {@code /api} prefix and ignoring the
     * query string, e.g. {@code requests("POST", "/prompt")}.
     */
    public List<JournalEntry> requests(String method, String path) {
        return entries(e -> e.kind() == Kind.HTTP_REQUEST && e.method().equalsIgnoreCase(method)
                && samePath(e.path(), path));
    }

    /** Every text or binary frame sent, of this message type ({@code "progress"}, {@code "binary:4"}); null = all. */
    public List<JournalEntry> wsFramesOut(String type) {
        return entries(e -> e.kind() == Kind.WS_OUT && (type == null || type.equals(e.type())));
    }

    /** Frames of this type sent to one client id. */
    public List<JournalEntry> wsFramesOut(String clientId, String type) {
        return entries(e -> e.kind() == Kind.WS_OUT && clientId.equals(e.connection())
                && (type == null || type.equals(e.type())));
    }

    public List<JournalEntry> wsFramesIn() {
        return entries(e -> e.kind() == Kind.WS_IN);
    }

    public List<JournalEntry> faults() {
        return entries(e -> e.kind() == Kind.FAULT);
    }

    public long dropped() {
        synchronized (entries) {
            return dropped;
        }
    }

    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }

    static boolean samePath(String recorded, String wanted) {
        String p = recorded;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (p.startsWith("/api/")) {
            p = p.substring(4);
        }
        String w = wanted.startsWith("/api/") ? wanted.substring(4) : wanted;
        return p.equals(w);
    }
}
