package hudson.model;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Mirror of jenkins-core {@code hudson.model.TaskListener} (real: extends SerializableOnlyOverRemoting).
 * Default methods print plainly (the real ones add console notes); annotate() is omitted (unused).
 */
public interface TaskListener extends Serializable {
    PrintStream getLogger();

    default void hyperlink(String url, String text) throws IOException {
        getLogger().print(text);
    }

    default PrintWriter error(String msg) {
        getLogger().println("ERROR: " + msg);
        return new PrintWriter(new java.io.OutputStreamWriter(getLogger(), StandardCharsets.UTF_8), true);
    }

    default PrintWriter error(String format, Object... args) {
        return error(String.format(format, args));
    }

    default PrintWriter fatalError(String msg) {
        getLogger().println("FATAL: " + msg);
        return new PrintWriter(new java.io.OutputStreamWriter(getLogger(), StandardCharsets.UTF_8), true);
    }

    TaskListener NULL = () -> new PrintStream(OutputStream.nullOutputStream());
}
