package hudson.security;

/**
 * Mirror of jenkins-core {@code hudson.security.Permission}. The public {@code Permission(String)} constructor is
 * MIRROR-ONLY (the real one takes a PermissionGroup, a name, a description and an implying permission).
 */
public final class Permission {
    private final String id;

    public Permission(String id) {
        this.id = id;
    }

    public String getId() {
        return id;
    }

    @Override
    public String toString() {
        return "Permission[" + id + "]";
    }
}
