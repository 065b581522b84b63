package io.comfyrun.client.batch;

import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.files.DownloadedFile;
import java.util.List;

/**
 * How one batch job ended.
 *
 * @param name    the job's name
 * @param outcome the outcome (for a chain: of the step that ended it), or {@code null} when skipped
 * @param prompts the result of every prompt the job ran, in order (a chain has one per step run)
 * @param files   outputs written to the sink (empty when no sink was given)
 * @param message why it failed or was skipped, or {@code ""}
 */
public record JobResult(String name, Outcome outcome, List<PromptResult> prompts, List<DownloadedFile> files, String message) {

    public JobResult {
        prompts = List.copyOf(prompts);
        files = List.copyOf(files);
        message = message == null ? "" : message;
    }

    public static JobResult skipped(String name, String why) {
        return new JobResult(name, null, List.of(), List.of(), why);
    }

    public boolean skipped() {
        return outcome == null;
    }

    /** Succeeded and every wanted output was written. */
    public boolean succeeded() {
        return outcome == Outcome.SUCCESS && files.stream().allMatch(DownloadedFile::ok);
    }
}
