package io.comfyrun.fake.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Python's {@code int()}, {@code float()}, {@code str()} and {@code bool()} applied to a JSON widget value,
 * as ComfyUI does for {@code INT}, {@code FLOAT}, {@code STRING} and {@code BOOLEAN} inputs, including the
 * exact error messages Python raises.
 */
final class InputCoercion {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern PY_INT = Pattern.compile("[+-]?\\d(_?\\d)*");
    private static final Pattern PY_FLOAT = Pattern.compile(
            "[+-]?((\\d(_?\\d)*)?\\.\\d(_?\\d)*|\\d(_?\\d)*\\.?)([eE][+-]?\\d(_?\\d)*)?");
    private static final Pattern PY_SPECIAL_FLOAT = Pattern.compile("[+-]?(inf|infinity|nan)", Pattern.CASE_INSENSITIVE);
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private InputCoercion() {
    }

    /** Converts {@code value} for a declared type; types other than the four primitives pass unchanged. */
    static JsonNode coerce(String type, JsonNode value) throws PythonError {
        switch (type) {
            case "INT":
                return toInt(value);
            case "FLOAT":
                return toFloat(value);
            case "STRING":
                return NODES.textNode(PyFormat.str(value));
            case "BOOLEAN":
                return BooleanNode.valueOf(truthy(value));
            default:
                return value;
        }
    }

    static JsonNode toInt(JsonNode value) throws PythonError {
        if (value.isIntegralNumber()) {
            return integer(value.bigIntegerValue());
        }
        if (value.isBoolean()) {
            return NODES.numberNode(value.asBoolean() ? 1 : 0);
        }
        if (value.isNumber()) {
            double d = value.doubleValue();
            if (Double.isNaN(d)) {
                throw new PythonError("ValueError", "cannot convert float NaN to integer");
            }
            if (Double.isInfinite(d)) {
                throw new PythonError("OverflowError", "cannot convert float infinity to integer");
            }
            return integer(new BigDecimal(d).toBigInteger());
        }
        if (value.isTextual()) {
            String s = value.asText().strip();
            if (PY_INT.matcher(s).matches()) {
                return integer(new BigInteger(s.replace("_", "")));
            }
            throw new PythonError("ValueError",
                    "invalid literal for int() with base 10: " + PyFormat.reprString(value.asText()));
        }
        throw new PythonError("TypeError", "int() argument must be a string, a bytes-like object or a real number, not '"
                + PyFormat.typeName(value) + "'");
    }

    static JsonNode toFloat(JsonNode value) throws PythonError {
        if (value.isIntegralNumber()) {
            double d = value.bigIntegerValue().doubleValue();
            if (Double.isInfinite(d)) {
                throw new PythonError("OverflowError", "int too large to convert to float");
            }
            return NODES.numberNode(d);
        }
        if (value.isBoolean()) {
            return NODES.numberNode(value.asBoolean() ? 1.0 : 0.0);
        }
        if (value.isNumber()) {
            return NODES.numberNode(value.doubleValue());
        }
        if (value.isTextual()) {
            String s = value.asText().strip();
            if (PY_FLOAT.matcher(s).matches()) {
                return NODES.numberNode(Double.parseDouble(s.replace("_", "")));
            }
            if (PY_SPECIAL_FLOAT.matcher(s).matches()) {
                String lower = s.toLowerCase(java.util.Locale.ROOT);
                double d = lower.contains("nan") ? Double.NaN
                        : lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                return NODES.numberNode(d);
            }
            throw new PythonError("ValueError", "could not convert string to float: " + PyFormat.reprString(value.asText()));
        }
        throw new PythonError("TypeError", "float() argument must be a string or a real number, not '"
                + PyFormat.typeName(value) + "'");
    }

    /** Python truthiness of a JSON value. */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isNumber()) {
            return value.decimalValue().signum() != 0 || Double.isNaN(value.doubleValue());
        }
        if (value.isTextual()) {
            return !value.asText().isEmpty();
        }
        return value.size() > 0;
    }

    private static JsonNode integer(BigInteger i) {
        if (i.compareTo(LONG_MIN) >= 0 && i.compareTo(LONG_MAX) <= 0) {
            long l = i.longValue();
            return l == (int) l ? NODES.numberNode((int) l) : NODES.numberNode(l);
        }
        return NODES.numberNode(i);
    }

    /** Python numeric comparison ({@code bool} counts as a number); {@code null} when not comparable. */
    static Integer compareNumbers(JsonNode a, JsonNode b) {
        if (!(a.isNumber() || a.isBoolean()) || !(b.isNumber() || b.isBoolean())) {
            return null;
        }
        BigDecimal x = decimal(a);
        BigDecimal y = decimal(b);
        if (x != null && y != null) {
            return x.compareTo(y);
        }
        double dx = a.isBoolean() ? (a.asBoolean() ? 1 : 0) : a.doubleValue();
        double dy = b.isBoolean() ? (b.asBoolean() ? 1 : 0) : b.doubleValue();
        // NaN compares false both ways in Python: report "not comparable".
        return Double.isNaN(dx) || Double.isNaN(dy) ? null : Double.compare(dx, dy);
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isBoolean()) {
            return n.asBoolean() ? BigDecimal.ONE : BigDecimal.ZERO;
        }
        if (n.isIntegralNumber()) {
            return new BigDecimal(n.bigIntegerValue());
        }
        if (n.isNumber() && Double.isFinite(n.doubleValue())) {
            return new BigDecimal(n.doubleValue());
        }
        return null;
    }

    /** Python {@code ==} between JSON values: {@code 1 == 1.0 == True}, lists element-wise. */
    static boolean pyEquals(JsonNode a, JsonNode b) {
        boolean aNum = a.isNumber() || a.isBoolean();
        boolean bNum = b.isNumber() || b.isBoolean();
        if (aNum && bNum) {
            Integer c = compareNumbers(a, b);
            return c != null ? c == 0 : a.doubleValue() == b.doubleValue();
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!pyEquals(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
