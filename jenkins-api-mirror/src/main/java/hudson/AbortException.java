package hudson;

import java.io.IOException;

/** Mirror of jenkins-core {@code hudson.AbortException}: a failure printed as one line, no stack trace. */
public class AbortException extends IOException {
    public AbortException() {
        // real AbortException(): no message
    }

    public AbortException(String message) {
        // real AbortException(String): the one line Pipeline prints, without a stack trace
        super(message);
    }

    private static final long serialVersionUID = 1L;
}
