package io.octofleet.server.rules;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The fields a rule can test (docs/targeting.md lists them with their types), and what each type allows. */
enum RuleField {
    HOSTNAME("hostname", Type.TEXT),
    STATUS("status", Type.STATUS),
    TAG("tag", Type.TEXT),
    OS_FAMILY("os.family", Type.TEXT),
    OS_NAME("os.name", Type.TEXT),
    OS_VERSION("os.version", Type.TEXT),
    OS_ARCH("os.arch", Type.TEXT),
    OS_KERNEL("os.kernel", Type.TEXT),
    CPU_MODEL("cpu.model", Type.TEXT),
    CPU_VENDOR("cpu.vendor", Type.TEXT),
    CPU_CORES("cpu.cores", Type.NUMBER),
    CPU_THREADS("cpu.threads", Type.NUMBER),
    CPU_SOCKETS("cpu.sockets", Type.NUMBER),
    MEMORY_TOTAL("memory.total", Type.BYTES),
    GPU_COUNT("gpu.count", Type.NUMBER),
    GPU_MODEL("gpu.model", Type.TEXT),
    GPU_VENDOR("gpu.vendor", Type.TEXT),
    PACKAGE("package", Type.TEXT),
    NIC_MAC("nic.mac", Type.TEXT),
    NIC_IP("nic.ip", Type.TEXT),
    SYSTEM_VIRTUALIZATION("system.virtualization", Type.TEXT),
    SYSTEM_MANUFACTURER("system.manufacturer", Type.TEXT),
    SYSTEM_MODEL("system.model", Type.TEXT);

    /** What a field holds, which decides its operators and the literals it accepts. */
    enum Type {
        TEXT("text", EnumSet.of(Operator.EQ, Operator.NE, Operator.GLOB, Operator.IN)),
        /** "online" or "offline". */
        STATUS("\"online\" or \"offline\"", EnumSet.of(Operator.EQ, Operator.NE, Operator.IN)),
        NUMBER("a number", EnumSet.complementOf(EnumSet.of(Operator.GLOB))),
        /** A number of bytes; literals may carry a unit (16GiB). */
        BYTES("a number of bytes", EnumSet.complementOf(EnumSet.of(Operator.GLOB)));

        private final String description;
        private final Set<Operator> operators;

        Type(String description, Set<Operator> operators) {
            this.description = description;
            this.operators = operators;
        }

        String description() {
            return description;
        }

        boolean allows(Operator operator) {
            return operators.contains(operator);
        }

        String operatorList() {
            return operators.stream().map(Operator::symbol).collect(Collectors.joining(", "));
        }
    }

    private final String ruleName;
    private final Type type;

    RuleField(String ruleName, Type type) {
        this.ruleName = ruleName;
        this.type = type;
    }

    String ruleName() {
        return ruleName;
    }

    Type type() {
        return type;
    }

    /** Field names are lower case, as documented; {@code OS.Family} is not a field. */
    static Optional<RuleField> byName(String name) {
        return Arrays.stream(values()).filter(f -> f.ruleName.equals(name)).findFirst();
    }

    static String names() {
        return Arrays.stream(values()).map(RuleField::ruleName).collect(Collectors.joining(", "));
    }
}
