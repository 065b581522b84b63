package hudson.security;

import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;

/** Mirror of jenkins-core {@code hudson.security.AccessControlled}. */
public interface AccessControlled {
    ACL getACL();

    default void checkPermission(Permission permission) throws AccessDeniedException {
        getACL().checkPermission(permission);
    }

    default boolean hasPermission(Permission permission) {
        return getACL().hasPermission(permission);
    }

    default boolean hasPermission2(Authentication a, Permission permission) {
        return getACL().hasPermission2(a, permission);
    }
}
