package io.comfyrun.client;

import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /queue}: the running prompts and the pending ones, pending sorted by {@code number} (run order;
 * the server returns its raw heap order).
 */
public record QueueSnapshot(List<Item> running, List<Item> pending) {

    /** One queue entry: {@code [number, prompt_id, prompt, extra_data, outputs_to_execute]}, reduced. */
    public record Item(double number, String promptId, String clientId) {
    }

    public QueueSnapshot {
        running = List.copyOf(running);
        pending = pending.stream().sorted(Comparator.comparingDouble(Item::number)).toList();
    }

    public boolean isRunning(String promptId) {
        return running.stream().anyMatch(i -> i.promptId().equals(promptId));
    }

    /** 1-based position among pending prompts, 0 when not pending. */
    public int pendingPosition(String promptId) {
        for (int i = 0; i < pending.size(); i++) {
            if (pending.get(i).promptId().equals(promptId)) {
                return i + 1;
            }
        }
        return 0;
    }

    public boolean contains(String promptId) {
        return isRunning(promptId) || pendingPosition(promptId) > 0;
    }

    public int total() {
        return running.size() + pending.size();
    }
}
