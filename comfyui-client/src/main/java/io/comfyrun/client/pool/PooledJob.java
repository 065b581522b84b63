package io.comfyrun.client.pool;

import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.batch.BatchJob;
import io.comfyrun.client.batch.JobResult;
import io.comfyrun.client.batch.OutputHandling;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.workflow.Workflow;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** A single workflow as a batch job on a {@link ServerPool}: routed, followed, then its outputs fetched from the member that ran it. */
public final class PooledJob implements BatchJob {

    private final String name;
    private final ServerPool pool;
    private final Workflow workflow;
    private final Deadlines deadlines;
    private final ProgressListener listener;
    private final PoolListener poolListener;
    private final OutputHandling outputs;
    private final ObjectNode extraData;

    /**
     * @param workflow overrides already applied
     * @param listener the prompt's events; may be {@code null}
     */
    public PooledJob(String name, ServerPool pool, Workflow workflow, Deadlines deadlines, ProgressListener listener,
                     PoolListener poolListener, OutputHandling outputs) {
        this(name, pool, workflow, deadlines, listener, poolListener, outputs, null);
    }

    private PooledJob(String name, ServerPool pool, Workflow workflow, Deadlines deadlines, ProgressListener listener,
                      PoolListener poolListener, OutputHandling outputs, ObjectNode extraData) {
        this.extraData = extraData;
        this.name = Objects.requireNonNull(name, "name");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.workflow = Objects.requireNonNull(workflow, "workflow");
        this.deadlines = deadlines;
        this.listener = listener;
        this.poolListener = poolListener;
        this.outputs = Objects.requireNonNull(outputs, "outputs");
    }

    /** The same job with the POST's {@code extra_data} (e.g. the editor's graph for a converted UI-format workflow). */
    public PooledJob withExtraData(ObjectNode extra) {
        return new PooledJob(name, pool, workflow, deadlines, listener, poolListener, outputs, extra);
    }

    @Override
    public String name() {
        return name;
    }

    /** The pool, as one "server" for the batch's per-server limit (members' own limits are the pool's business). */
    @Override
    public URI server() {
        return URI.create("pool:" + pool.name().replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    @Override
    public Running start() {
        PooledPrompt p = pool.submit(new PromptRequest(workflow.toJson(), deadlines, null, extraData), listener, poolListener);
        CompletableFuture<JobResult> result = p.result()
                .thenCompose(r -> download(p, r).thenApply(files -> toJobResult(r, files)))
                .exceptionally(e -> new JobResult(name, Outcome.FAILED, List.of(), List.of(), String.valueOf(e.getMessage())));
        return new Running() {
            @Override
            public CompletableFuture<JobResult> result() {
                return result;
            }

            @Override
            public CompletableFuture<Void> cancel() {
                return p.cancel();
            }
        };
    }

    private CompletableFuture<List<DownloadedFile>> download(PooledPrompt p, PromptResult r) {
        if (!r.isSuccess() || outputs.sink() == null || r.outputs().isEmpty() || p.member().isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        PoolMember member = p.member().get();
        return CompletableFuture.supplyAsync(() -> outputs.downloader()
                .downloadAll(pool.client().http(member.config()), r.outputs(), outputs.sink()), outputs.io());
    }

    private JobResult toJobResult(PromptResult r, List<DownloadedFile> files) {
        String message = r.isSuccess()
                ? files.stream().filter(f -> !f.ok()).map(DownloadedFile::error).findFirst().orElse("")
                : r.firstError();
        return new JobResult(name, r.outcome(), List.of(r), files, message);
    }
}
