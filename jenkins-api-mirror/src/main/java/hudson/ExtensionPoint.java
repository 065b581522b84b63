package hudson;

/** Mirror of jenkins-core {@code hudson.ExtensionPoint}. */
public interface ExtensionPoint {
}
