package io.comfyrun.client.batch;

import io.comfyrun.client.files.OutputDownloader;
import io.comfyrun.client.files.OutputSink;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Where a job writes its outputs after success, and on which executor the blocking downloads (and a chain's
 * uploads) run. The executor belongs to the caller, who shuts it down.
 *
 * @param sink       where outputs go, or {@code null} to download nothing
 * @param downloader which outputs and the size cap
 * @param io         runs blocking HTTP transfers; never an engine event thread
 */
public record OutputHandling(OutputSink sink, OutputDownloader downloader, Executor io) {

    public OutputHandling {
        downloader = downloader == null ? OutputDownloader.defaults() : downloader;
        Objects.requireNonNull(io, "io");
    }

    /** Transfers on {@code io}, downloads nothing. */
    public static OutputHandling none(Executor io) {
        return new OutputHandling(null, null, io);
    }

    public static OutputHandling to(OutputSink sink, Executor io) {
        return new OutputHandling(sink, null, io);
    }
}
