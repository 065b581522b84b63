package io.comfyrun.cli;

import io.comfyrun.client.batch.BatchJob;
import io.comfyrun.client.batch.JobResult;
import io.comfyrun.client.files.DownloadedFile;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A batch job whose "saved" lines (and failure message) are printed the moment that job ends, not when the
 * whole batch does: a long batch shows each item's files as it finishes.
 */
final class ReportedJob implements BatchJob {

    private final BatchJob job;
    private final String prefix;
    private final Consumer<String> console;

    ReportedJob(BatchJob job, String prefix, Consumer<String> console) {
        this.job = job;
        this.prefix = prefix;
        this.console = console;
    }

    @Override
    public String name() {
        return job.name();
    }

    @Override
    public URI server() {
        return job.server();
    }

    @Override
    public Running start() {
        Running running;
        try {
            running = job.start();
        } catch (RuntimeException e) {
            console.accept(prefix + "could not start: " + e.getMessage()); // the batch records it as failed
            throw e;
        }
        CompletableFuture<JobResult> reported = running.result().thenApply(r -> {
            print(r);
            return r;
        });
        return new Running() {
            @Override
            public CompletableFuture<JobResult> result() {
                return reported;
            }

            @Override
            public CompletableFuture<Void> cancel() {
                return running.cancel();
            }
        };
    }

    private void print(JobResult job) {
        for (DownloadedFile f : job.files()) {
            console.accept(prefix + (f.ok() ? "saved " + f.location() + " (" + f.bytes() + " bytes)" : "NOT saved: " + f.error()));
        }
        if (!job.skipped() && !job.succeeded() && !job.message().isEmpty() && job.prompts().isEmpty()) {
            console.accept(prefix + job.message());
        }
    }
}
