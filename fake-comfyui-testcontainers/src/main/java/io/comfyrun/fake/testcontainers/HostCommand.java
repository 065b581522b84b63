package io.comfyrun.fake.testcontainers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/** Runs one host tool (jdeps, jlink, ldd) to completion with a deadline and returns its output. */
final class HostCommand {

    private HostCommand() {
    }

    /** The combined stdout and stderr of a command that exited 0; anything else is a {@link FakeComfyUIImageException}. */
    static String run(List<String> command, Duration timeout) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new FakeComfyUIImageException("cannot run '" + command.get(0) + "' to build the fake-comfyui image: "
                    + e.getMessage(), e);
        }
        // Drained on its own thread so a chatty tool can never block on a full pipe while we wait.
        FutureTask<String> output = new FutureTask<>(() -> readAll(process.getInputStream()));
        Thread drain = new Thread(output, "fake-comfyui-image-" + Path.of(command.get(0)).getFileName());
        drain.setDaemon(true);
        drain.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new FakeComfyUIImageException("'" + String.join(" ", command) + "' did not finish within "
                        + timeout.toSeconds() + " s");
            }
            String text = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (process.exitValue() != 0) {
                throw new FakeComfyUIImageException("'" + String.join(" ", command) + "' failed with exit status "
                        + process.exitValue() + ":\n" + text);
            }
            return text;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new FakeComfyUIImageException("interrupted while running '" + command.get(0) + "'", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new FakeComfyUIImageException("cannot read the output of '" + command.get(0) + "'", e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }
}
