package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pending heap, the running prompt and the history, like ComfyUI's {@code PromptQueue}. Engine thread only.
 */
public final class PromptQueue {

    public static final int MAXIMUM_HISTORY_SIZE = 10_000;

    private final PythonHeap<QueueItem> pending = new PythonHeap<>();
    private QueueItem running;
    private final LinkedHashMap<String, ObjectNode> history = new LinkedHashMap<>();
    private long counter;
    private long seq;

    /** ComfyUI's {@code server.number}: incremented by every POST /prompt without {@code number}. */
    public long nextNumber() {
        return counter++;
    }

    public long nextSeq() {
        return seq++;
    }

    public void put(QueueItem item) {
        pending.push(item);
    }

    /** Takes the lowest number; it becomes the running item. */
    public QueueItem take() {
        if (running != null || pending.isEmpty()) {
            return null;
        }
        running = pending.pop();
        return running;
    }

    public QueueItem running() {
        return running;
    }

    public int remaining() {
        return pending.size() + (running == null ? 0 : 1);
    }

    /** Writes the history entry and frees the worker. */
    public void taskDone(QueueItem item, ObjectNode entry) {
        history.put(item.promptId(), entry);
        while (history.size() > MAXIMUM_HISTORY_SIZE) {
            history.remove(history.keySet().iterator().next());
        }
        if (running == item) {
            running = null;
        }
    }

    public boolean deletePending(String promptId) {
        return pending.removeFirst(i -> i.promptId().equals(promptId));
    }

    public void clearPending() {
        pending.clear();
    }

    public List<QueueItem> pendingRaw() {
        return pending.rawArray();
    }

    public ObjectNode queueJson() {
        ObjectNode o = PythonJson.object();
        ArrayNode run = o.putArray("queue_running");
        if (running != null) {
            run.add(running.toTuple());
        }
        ArrayNode pend = o.putArray("queue_pending");
        for (QueueItem i : pending.rawArray()) {
            pend.add(i.toTuple());
        }
        return o;
    }

    public ObjectNode historyEntry(String promptId) {
        return history.get(promptId);
    }

    /** {@code get_history(max_items, offset)}: with max_items only, the last N. */
    public ObjectNode historyJson(Integer maxItems, int offset) {
        ObjectNode out = PythonJson.object();
        int off = offset;
        if (off < 0 && maxItems != null) {
            off = history.size() - maxItems;
        }
        int i = 0;
        for (Map.Entry<String, ObjectNode> e : history.entrySet()) {
            if (i >= off) {
                out.set(e.getKey(), e.getValue());
                if (maxItems != null && out.size() >= maxItems) {
                    break;
                }
            }
            i++;
        }
        return out;
    }

    public void clearHistory() {
        history.clear();
    }

    public void deleteHistory(String promptId) {
        history.remove(promptId);
    }

    /** A server restart: everything in memory is gone. */
    public void wipe() {
        pending.clear();
        running = null;
        history.clear();
        counter = 0;
    }
}
