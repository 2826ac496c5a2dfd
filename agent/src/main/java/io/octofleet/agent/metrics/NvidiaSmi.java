package io.octofleet.agent.metrics;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reads {@code nvidia-smi -q -x}: the one nvidia-smi query that reports every GPU and, when MIG is on, every MIG
 * device in one call (~0.1 s on an H100). The XML's element names moved between driver generations (power readings
 * under {@code power_readings} until R530, under {@code gpu_power_readings} since; ECC counters as
 * {@code single_bit}/{@code double_bit} on old boards, per SRAM/DRAM since Ampere); both are read. The files under
 * {@code src/test/resources/nvidia-smi-xml} are recorded from a real H100 (README there).
 */
public final class NvidiaSmi {
    /** The command whose output {@link #parse} reads. */
    public static final List<String> QUERY = List.of("nvidia-smi", "-q", "-x");

    private static final Pattern NUMBER = Pattern.compile("^\\s*(-?\\d+(?:\\.\\d+)?)\\s*([A-Za-z%]*)\\s*$");
    private static final long MIB = 1024L * 1024L;

    private NvidiaSmi() {
    }

    /**
     * @return one sample per {@code <gpu>}, in nvidia-smi's order
     * @throws IllegalArgumentException when the text is not nvidia-smi's XML (a driver error message, say)
     */
    public static List<GpuSample> parse(String xml) {
        Element root = document(xml).getDocumentElement();
        if (!"nvidia_smi_log".equals(root.getTagName())) {
            throw new IllegalArgumentException("not nvidia-smi -q -x output (root element " + root.getTagName() + ")");
        }
        List<GpuSample> samples = new ArrayList<>();
        int index = 0;
        for (Element gpu : children(root, "gpu")) {
            samples.add(gpu(index++, gpu));
        }
        return samples;
    }

    private static GpuSample gpu(int index, Element gpu) {
        Element power = first(child(gpu, "gpu_power_readings"), child(gpu, "power_readings"));
        Double draw = firstNumber(power, "average_power_draw", "power_draw", "instant_power_draw");
        Double limit = firstNumber(power, "current_power_limit", "enforced_power_limit", "power_limit");
        String migMode = text(gpu, "mig_mode", "current_mig");
        Boolean migEnabled = migMode == null || migMode.equals("N/A") ? null : migMode.equalsIgnoreCase("Enabled");
        List<GpuSample.MigInstance> mig = new ArrayList<>();
        Element migDevices = child(gpu, "mig_devices");
        if (migDevices != null) {
            for (Element device : children(migDevices, "mig_device")) {
                mig.add(new GpuSample.MigInstance(integer(text(device, "index")),
                        integer(text(device, "gpu_instance_id")), integer(text(device, "compute_instance_id")),
                        mebibytes(text(device, "fb_memory_usage", "used")),
                        mebibytes(text(device, "fb_memory_usage", "total")),
                        integerOrNull(text(device, "device_attributes", "shared", "multiprocessor_count"))));
            }
        }
        Element volatileEcc = child(child(gpu, "ecc_errors"), "volatile");
        return new GpuSample(index, text(gpu, "uuid"),
                number(text(gpu, "utilization", "gpu_util")), number(text(gpu, "utilization", "memory_util")),
                mebibytes(text(gpu, "fb_memory_usage", "used")), mebibytes(text(gpu, "fb_memory_usage", "total")),
                number(text(gpu, "temperature", "gpu_temp")), draw, limit,
                number(text(gpu, "clocks", "sm_clock")), number(text(gpu, "clocks", "mem_clock")),
                eccCount(volatileEcc, false), eccCount(volatileEcc, true), migEnabled, mig);
    }

    /**
     * Volatile ECC errors: {@code single_bit/total} (corrected) and {@code double_bit/total} (uncorrected) on old
     * boards; on newer ones the sum of the {@code *_correctable} and of the {@code *_uncorrectable*} counters.
     * Null when the board reports none of them.
     */
    private static Long eccCount(Element volatileEcc, boolean uncorrected) {
        if (volatileEcc == null) {
            return null;
        }
        Element legacy = child(volatileEcc, uncorrected ? "double_bit" : "single_bit");
        if (legacy != null) {
            Double total = number(text(legacy, "total"));
            return total == null ? null : total.longValue();
        }
        Long sum = null;
        for (Element counter : children(volatileEcc, null)) {
            String name = counter.getTagName();
            boolean isUncorrectable = name.contains("uncorrectable");
            boolean isCorrectable = !isUncorrectable && name.contains("correctable");
            if (uncorrected ? isUncorrectable : isCorrectable) {
                Double value = number(counter.getTextContent());
                if (value != null) {
                    sum = (sum == null ? 0 : sum) + value.longValue();
                }
            }
        }
        return sum;
    }

    private static Document document(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            // The output names a DTD (nvsmi_device_v13.dtd) that is not on the host: never fetch or read it.
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setExpandEntityReferences(false);
            factory.setValidating(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("not nvidia-smi -q -x output: " + e.getMessage(), e);
        }
    }

    private static Element first(Element a, Element b) {
        return a != null ? a : b;
    }

    private static Double firstNumber(Element parent, String... names) {
        if (parent == null) {
            return null;
        }
        for (String name : names) {
            Double value = number(text(parent, name));
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Direct child elements, all of them when {@code name} is null. */
    private static List<Element> children(Element parent, String name) {
        List<Element> result = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node node = nodes.item(i);
            if (node instanceof Element element && (name == null || element.getTagName().equals(name))) {
                result.add(element);
            }
        }
        return result;
    }

    private static String text(Element parent, String... path) {
        Element current = parent;
        for (String name : path) {
            current = child(current, name);
            if (current == null) {
                return null;
            }
        }
        return current.getTextContent().strip();
    }

    /** "54 C", "694.02 W", "100 %", "1965 MHz" → the number; "N/A", "[Not Supported]", absent → null. */
    static Double number(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = NUMBER.matcher(text);
        return m.matches() ? Double.parseDouble(m.group(1)) : null;
    }

    private static Long mebibytes(String text) {
        Double mib = number(text);
        return mib == null ? null : (long) (mib * MIB);
    }

    private static int integer(String text) {
        Integer value = integerOrNull(text);
        return value == null ? -1 : value;
    }

    private static Integer integerOrNull(String text) {
        Double value = number(text);
        return value == null ? null : value.intValue();
    }
}
