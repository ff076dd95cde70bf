// A registry-aware Kafka client that this project did not write: Apache Kafka's Java producer and
// consumer with Apicurio Registry's Avro serializer and deserializer, set to the Confluent wire
// format (a 0 byte, the 4-byte schema id, the Avro binary). Plain Java 17, one file, compiled by
// test/support/foreign/registry-serde.ts against the jars of pom.xml beside it.
//
//   java RegistrySerdeClient produce <brokers> <topic> <registry-url> <schema.avsc-json> <value-json>...
//        values in Avro's JSON encoding; prints {"partition":..,"offset":..} per record
//   java RegistrySerdeClient consume <brokers> <topic> <registry-url> <count>
//        prints {"offset":..,"value":<Avro JSON>} per record, or fails after 60 s
//
// <registry-url> is Apicurio's own API (…/apis/registry/v2): its serializers do not use the
// Confluent API, only its wire format.

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class RegistrySerdeClient {
  private static final PrintStream OUT =
      new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    if (args.length < 4) throw new IllegalArgumentException("usage: produce|consume <brokers> <topic> <registry-url> ...");
    switch (args[0]) {
      case "produce" -> produce(args[1], args[2], args[3], args[4], Arrays.asList(args).subList(5, args.length));
      case "consume" -> consume(args[1], args[2], args[3], Integer.parseInt(args[4]));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  /** The Confluent wire format with content ids, which Apicurio's Confluent API calls schema ids. */
  private static Properties serde(String registryUrl) {
    Properties props = new Properties();
    props.put("apicurio.registry.url", registryUrl);
    props.put("apicurio.registry.as-confluent", "true");
    props.put("apicurio.registry.use-id", "contentId");
    props.put("apicurio.registry.headers.enabled", "false");
    return props;
  }

  private static void produce(String brokers, String topic, String registryUrl, String schemaJson, List<String> values)
      throws Exception {
    Schema schema = new Schema.Parser().parse(schemaJson);
    Properties props = serde(registryUrl);
    props.put("bootstrap.servers", brokers);
    props.put("acks", "all");
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", "io.apicurio.registry.serde.avro.AvroKafkaSerializer");
    // The subject's latest schema, registered beforehand (TopicIdStrategy: <topic>-value).
    props.put("apicurio.registry.find-latest", "true");
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(props)) {
      for (String json : values) {
        GenericRecord value =
            new GenericDatumReader<GenericRecord>(schema).read(null, DecoderFactory.get().jsonDecoder(schema, json));
        RecordMetadata meta = producer.send(new ProducerRecord<>(topic, null, value)).get();
        OUT.println("{\"partition\":" + meta.partition() + ",\"offset\":" + meta.offset() + "}");
      }
    }
  }

  private static void consume(String brokers, String topic, String registryUrl, int count) throws Exception {
    Properties props = serde(registryUrl);
    props.put("bootstrap.servers", brokers);
    props.put("group.id", "registry-serde-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", "io.apicurio.registry.serde.avro.AvroKafkaDeserializer");
    long deadline = System.currentTimeMillis() + 60_000;
    int seen = 0;
    try (KafkaConsumer<String, GenericRecord> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      while (seen < count) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("read " + seen + " of " + count);
        for (ConsumerRecord<String, GenericRecord> record : consumer.poll(Duration.ofMillis(500))) {
          OUT.println("{\"offset\":" + record.offset() + ",\"value\":" + avroJson(record.value()) + "}");
          seen++;
        }
      }
    }
  }

  private static String avroJson(GenericRecord value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonEncoder encoder = EncoderFactory.get().jsonEncoder(value.getSchema(), bytes);
    new GenericDatumWriter<GenericRecord>(value.getSchema()).write(value, encoder);
    encoder.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
