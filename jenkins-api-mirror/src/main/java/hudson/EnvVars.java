package hudson;

import java.util.TreeMap;

/** Mirror of jenkins-core {@code hudson.EnvVars} (only what Run#getEnvironment needs). */
public class EnvVars extends TreeMap<String, String> {
    public EnvVars() {
        super(String.CASE_INSENSITIVE_ORDER);
    }

    private static final long serialVersionUID = 1L;
}
