package io.comfyrun.client.files;

import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.ViewResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Downloads outputs through {@code GET /view} into an {@link OutputSink}: streamed (never the whole file in
 * memory), under a name checked by {@link SafeNames}, written to a temporary file and renamed only when
 * complete, with a size cap. A failed or oversized download leaves nothing behind.
 *
 * <pre>{@code
 * OutputDownloader downloader = OutputDownloader.defaults();
 * List<DownloadedFile> files = downloader.downloadAll(client.http(server), result.outputs(),
 *         new LocalDirectorySink(Path.of("out")));
 * }</pre>
 *
 * <p>Blocking: call it from a worker thread, not from an event listener.
 */
public final class OutputDownloader {

    /** 4 GiB: far above an image, enough for a long video, stops a runaway stream filling a disk. */
    public static final long DEFAULT_MAX_BYTES = 4L * 1024 * 1024 * 1024;

    /**
     * 30 minutes per file: {@code /view} has no call timeout (long videos) and each read is bounded only by the read
     * timeout, so a server trickling a byte now and then would otherwise hold a download forever.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private static final int BUFFER = 64 * 1024;

    private final long maxBytes;
    private final Set<String> types;
    private final Duration timeout;

    private OutputDownloader(long maxBytes, Set<String> types, Duration timeout) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("download timeout must be positive, got " + timeout);
        }
        this.maxBytes = maxBytes;
        this.types = Set.copyOf(types);
        this.timeout = timeout;
    }

    /** Downloads {@code output}-type files (not temp previews), up to {@link #DEFAULT_MAX_BYTES} each. */
    public static OutputDownloader defaults() {
        return new OutputDownloader(DEFAULT_MAX_BYTES, Set.of("output"), DEFAULT_TIMEOUT);
    }

    /** A downloader with another size cap per file. */
    public OutputDownloader withMaxBytes(long max) {
        return new OutputDownloader(max, types, timeout);
    }

    /** A downloader for other {@code type}s too, e.g. {@code Set.of("output", "temp")} to keep previews. */
    public OutputDownloader withTypes(Set<String> newTypes) {
        return new OutputDownloader(maxBytes, newTypes, timeout);
    }

    /** A downloader giving each file at most this long (checked after every read), default {@link #DEFAULT_TIMEOUT}. */
    public OutputDownloader withTimeout(Duration perFile) {
        return new OutputDownloader(maxBytes, types, perFile);
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Whether {@link #downloadAll} would fetch this output (by its {@code type}). */
    public boolean accepts(OutputRef output) {
        return types.contains(output.type());
    }

    /**
     * Downloads every accepted output; one result per accepted output, in order. A failure of one file is
     * recorded in its result and does not stop the others.
     */
    public List<DownloadedFile> downloadAll(ComfyHttpApi api, List<OutputRef> outputs, OutputSink sink) {
        List<DownloadedFile> results = new ArrayList<>();
        for (OutputRef output : outputs) {
            if (!accepts(output)) {
                continue;
            }
            String relative = null;
            try {
                relative = SafeNames.relativePath(output.subfolder(), output.filename());
                results.add(download(api, output, relative, sink));
            } catch (IOException | RuntimeException e) {
                results.add(new DownloadedFile(output, relative, null, -1, describe(output, e)));
            }
        }
        return results;
    }

    /**
     * {@link #downloadAll(ComfyHttpApi, List, OutputSink)} for a tracked prompt: outputs its snapshot already lists as
     * downloaded (saved before a restart the prompt was resumed from) are skipped and left out of the result; each
     * file saved now is {@linkplain PromptHandle#downloaded recorded on the handle}, so the next snapshot lists it.
     */
    public List<DownloadedFile> downloadAll(ComfyHttpApi api, PromptHandle prompt, List<OutputRef> outputs,
                                            OutputSink sink) {
        Set<String> done = prompt.snapshot().downloaded();
        List<DownloadedFile> results = new ArrayList<>();
        for (OutputRef output : outputs) {
            if (done.contains(output.path())) {
                continue;
            }
            List<DownloadedFile> one = downloadAll(api, List.of(output), sink);
            for (DownloadedFile f : one) {
                if (f.ok()) {
                    prompt.downloaded(output);
                }
            }
            results.addAll(one);
        }
        return results;
    }

    /** Downloads one output to {@code subfolder/filename} under the sink; throws on any failure (nothing is left behind). */
    public DownloadedFile download(ComfyHttpApi api, OutputRef output, OutputSink sink) throws IOException {
        return download(api, output, SafeNames.relativePath(output.subfolder(), output.filename()), sink);
    }

    /** Downloads one output to {@code relativePath} (checked again here) under the sink. */
    public DownloadedFile download(ComfyHttpApi api, OutputRef output, String relativePath, OutputSink sink) throws IOException {
        String checked = checkedRelative(relativePath);
        try (ViewResponse view = api.view(output.filename(), output.subfolder(), output.type())) {
            if (view.contentLength() > maxBytes) {
                throw tooLarge(output, view.contentLength());
            }
            try (OutputSink.PendingFile file = sink.open(checked)) {
                long n = copy(view.body(), file.stream(), output);
                String location = file.commit();
                return new DownloadedFile(output, checked, location, n, null);
            }
        }
    }

    /** Streams at most {@code maxBytes + 1} bytes so an oversized file is detected without reading it whole. */
    private long copy(InputStream in, OutputStream out, OutputRef output) throws IOException {
        byte[] buf = new byte[BUFFER];
        long total = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > maxBytes) {
                throw tooLarge(output, total);
            }
            out.write(buf, 0, n);
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("download of " + output.path() + " of node " + output.nodeId() + " took longer than "
                        + timeout.toSeconds() + " s (" + total + " bytes received); the server is sending too slowly");
            }
        }
        return total;
    }

    private OutputTooLargeException tooLarge(OutputRef output, long seen) {
        return new OutputTooLargeException("output " + output.path() + " of node " + output.nodeId() + " is larger than the "
                + maxBytes + "-byte cap (" + seen + " bytes seen); raise the cap or download it directly");
    }

    private static String checkedRelative(String relativePath) {
        int slash = relativePath.lastIndexOf('/');
        return slash < 0 ? SafeNames.segment(relativePath, "filename")
                : SafeNames.relativePath(relativePath.substring(0, slash), relativePath.substring(slash + 1));
    }

    private static String describe(OutputRef output, Exception e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return e instanceof UnsafeNameException
                ? "refused output of node " + output.nodeId() + ": " + msg
                : "could not download " + output.path() + " of node " + output.nodeId() + ": " + msg;
    }
}
