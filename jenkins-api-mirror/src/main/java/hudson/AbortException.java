package hudson;

import java.io.IOException;

/** Mirror of jenkins-core {@code hudson.AbortException}: a failure printed as one line, no stack trace. */
public class AbortException extends IOException {
    public AbortException() {
    }

    public AbortException(String message) {
        super(message);
    }

    private static final long serialVersionUID = 1L;
}
