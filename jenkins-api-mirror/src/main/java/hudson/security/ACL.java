package hudson.security;

import java.util.Collection;
import java.util.List;
import java.util.function.BiFunction;
import jenkins.model.Jenkins;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * Mirror of jenkins-core {@code hudson.security.ACL}. {@link #checkPermission} throws Spring's
 * {@link AccessDeniedException} (the real one throws its subclass {@code AccessDeniedException3}).
 */
public abstract class ACL {
    public static final Authentication SYSTEM2 = new SystemAuthentication();

    public abstract boolean hasPermission2(Authentication a, Permission permission);

    public final boolean hasPermission(Permission p) {
        return hasPermission2(Jenkins.getAuthentication2(), p);
    }

    public final void checkPermission(Permission p) {
        Authentication a = Jenkins.getAuthentication2();
        if (!hasPermission2(a, p)) {
            throw new AccessDeniedException(a.getName() + " is missing the " + p.getId() + " permission");
        }
    }

    public static ACL lambda2(BiFunction<Authentication, Permission, Boolean> impl) {
        return new ACL() {
            @Override
            public boolean hasPermission2(Authentication a, Permission permission) {
                return impl.apply(a, permission);
            }
        };
    }

    /** Stand-in for the real SYSTEM2 token (a UsernamePasswordAuthenticationToken named "SYSTEM"). */
    private static final class SystemAuthentication implements Authentication {
        @Override
        public Collection<? extends GrantedAuthority> getAuthorities() {
            return List.of();
        }

        @Override
        public Object getCredentials() {
            return "SYSTEM";
        }

        @Override
        public Object getDetails() {
            return null;
        }

        @Override
        public Object getPrincipal() {
            return "SYSTEM";
        }

        @Override
        public boolean isAuthenticated() {
            return true;
        }

        @Override
        public void setAuthenticated(boolean isAuthenticated) {
        }

        @Override
        public String getName() {
            return "SYSTEM";
        }

        private static final long serialVersionUID = 1L;
    }
}
