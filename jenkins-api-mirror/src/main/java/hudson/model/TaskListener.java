package hudson.model;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;

/**
 * Mirror of jenkins-core {@code hudson.model.TaskListener} (real: extends SerializableOnlyOverRemoting): the logger
 * and {@link #NULL}; the console-note helpers (hyperlink, error, annotate) are not mirrored.
 */
public interface TaskListener extends Serializable {
    PrintStream getLogger();

    /** Real {@code NULL} (a NullTaskListener): a logger that discards everything. */
    TaskListener NULL = () -> new PrintStream(OutputStream.nullOutputStream());
}
