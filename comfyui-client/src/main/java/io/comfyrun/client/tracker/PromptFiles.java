package io.comfyrun.client.tracker;

import io.comfyrun.client.OutputRef;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The files of one prompt: those it produced, each once and in the order first reported (its progress and result list
 * them), and the paths its caller saved (its snapshot persists them, so a resumed build does not save them again).
 *
 * <p>Owned by one {@link PromptTracker} and touched only under that tracker's lock; no lock of its own.
 */
final class PromptFiles {

    private final List<OutputRef> produced = new ArrayList<>(2);
    private final Set<String> saved = new LinkedHashSet<>();

    List<OutputRef> produced() {
        return produced;
    }

    /** Adds those of {@code more} not produced before. */
    void produced(List<OutputRef> more) {
        for (OutputRef o : more) {
            if (!produced.contains(o)) {
                produced.add(o);
            }
        }
    }

    /** The caller saved the file at {@code path}; returns false if it had already. */
    boolean saved(String path) {
        return saved.add(path);
    }

    Set<String> saved() {
        return saved;
    }

    /** Resume: the caller saved these before the restart. */
    void savedBefore(Collection<String> paths) {
        saved.addAll(paths);
    }
}
