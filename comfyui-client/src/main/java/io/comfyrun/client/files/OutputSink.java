package io.comfyrun.client.files;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Where downloaded outputs go. Deliberately small so that the Jenkins plugin can implement it over a
 * {@code FilePath} on an agent, and the CLI over a local directory ({@link LocalDirectorySink}).
 *
 * <p>Every file is written to a temporary target first and only {@linkplain PendingFile#commit() committed}
 * (renamed into place) once completely received, so a reader never sees a partial file and a failed
 * download leaves nothing behind.
 */
public interface OutputSink {

    /**
     * Opens a temporary target for {@code relativePath}, which {@link SafeNames#relativePath} has already
     * checked ('/'-separated, no {@code ..}, never absolute). Missing parent folders are created.
     */
    PendingFile open(String relativePath) throws IOException;

    /** A file being written. {@link #close()} without {@link #commit()} aborts. */
    interface PendingFile extends Closeable {

        /** The stream to write the content into; {@link #commit()} and {@link #abort()} close it. */
        OutputStream stream();

        /** Closes the stream and moves the temporary file into place (replacing an older one); returns where it is now. */
        String commit() throws IOException;

        /** Closes the stream and deletes the temporary file; never throws. */
        void abort();

        /** Aborts unless committed. */
        @Override
        void close();
    }
}
