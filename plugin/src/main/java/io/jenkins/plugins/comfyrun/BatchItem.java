package io.jenkins.plugins.comfyrun;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One item of a {@code comfyBatch}, as persisted with the execution (program.dat) and shown on the build page: plain
 * values only (see {@link ServerTarget} on why not a record). Written by the batch's threads under the execution's
 * lock; read by views without it (each field is a single volatile value).
 */
final class BatchItem implements Serializable {
    static final String PENDING = "pending";
    static final String SUBMITTED = "submitted";
    static final String RUNNING = "running";
    static final String SKIPPED = "skipped";

    final int index;
    final String name;
    /** The item's overrides as JSON ({@code {"KSampler.seed": 2}}). */
    final String setJson;
    volatile String status = PENDING;
    /** The engine snapshot (PromptSnapshots JSON), written BEFORE the POST; null: never sent. */
    volatile String snapshotJson;
    volatile String promptId;
    volatile String server;
    volatile long durationMillis = -1;
    volatile String message = "";
    volatile ArrayList<String> files = new ArrayList<>();

    BatchItem(int index, String name, String setJson) {
        this.index = index;
        this.name = name;
        this.setJson = setJson;
    }

    boolean isTerminal() {
        return !(PENDING.equals(status) || SUBMITTED.equals(status) || RUNNING.equals(status));
    }

    boolean wasSent() {
        return snapshotJson != null;
    }

    /** The step's result entry: plain types only (the CPS sandbox and program.dat accept them). */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("name", name);
        m.put("status", status);
        m.put("server", server);
        m.put("promptId", promptId);
        m.put("durationMillis", durationMillis);
        m.put("outputs", new ArrayList<>(files));
        m.put("error", message);
        return m;
    }

    ArrayList<String> filesCopy() {
        return new ArrayList<>(files);
    }

    private static final long serialVersionUID = 1L;
}
