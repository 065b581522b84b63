package io.comfyrun.fake.execution;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A recorded run of one workflow, played back instead of executing it: every frame the client received between
 * {@code execution_start} and the terminal message, at its recorded offset, then the recorded history entry. The
 * {@code status} frames and the final {@code executing} (node null) are not in it: the worker sends those itself, as
 * for any run.
 *
 * @param recordedPromptId the prompt id in the recording, replaced by the replayed prompt's id
 * @param frames           in the order received
 * @param files            the output files, written (with their recorded size and image dimensions) before the
 *                         history entry appears
 */
public record ReplayScript(String recordedPromptId, List<Frame> frames, String statusStr, boolean completed,
                           ObjectNode outputs, ArrayNode messages, ObjectNode meta, List<OutputFile> files) {

    public ReplayScript {
        frames = List.copyOf(frames);
        files = List.copyOf(files);
    }

    /**
     * One frame: a text frame's exact bytes and its message type, or a binary frame (type null).
     *
     * @param atMs virtual milliseconds after {@code execution_start} (scaled by the server's time scale)
     */
    public record Frame(double atMs, String type, byte[] payload) {
        public boolean binary() {
            return type == null;
        }
    }

    /** An output file: where it was, its size and, for an image, its dimensions (0 when unknown). */
    public record OutputFile(String filename, String subfolder, String type, long bytes, String contentType,
                             int width, int height) {
    }

    /** Finds the recording that answers a posted workflow. */
    public interface Source {
        /** The recording of this exact workflow (class types and inputs of every node), or null. */
        ReplayScript find(ObjectNode prompt);
    }
}
