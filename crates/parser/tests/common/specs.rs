//! Small hand-written specs for the tests (never the real MilMove files).

/// A Swagger 2.0 spec exercising every fake-data rule.
pub const RULES: &str = r##"
swagger: "2.0"
info: {title: rules, version: "1"}
basePath: /rules/v1
consumes: [application/json]
produces: [application/json]
paths:
  /everything:
    post:
      operationId: createEverything
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Everything"}}
      responses: {"201": {description: ok, schema: {$ref: "#/definitions/Everything"}}}
  /service-items:
    post:
      operationId: createServiceItem
      parameters:
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/ServiceItem"}}
      responses: {"201": {description: ok}}
  /people/{personID}:
    parameters:
      - {name: personID, in: path, required: true, type: string, format: uuid, description: path level}
      - {name: If-Match, in: header, required: true, type: string}
    patch:
      operationId: updatePerson
      parameters:
        - {name: If-Match, in: header, required: false, type: string, description: operation level}
        - {name: verbose, in: query, type: boolean}
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/Person"}}
      responses: {"200": {description: ok, schema: {$ref: "#/definitions/Person"}}}
    get:
      operationId: getPerson
      responses: {"200": {description: ok, schema: {$ref: "#/definitions/Person"}}}
definitions:
  Person:
    type: object
    required: [firstName, lastName]
    properties:
      id: {type: string, format: uuid, readOnly: true}
      firstName: {type: string}
      lastName: {type: string}
      email: {type: string, format: x-email, pattern: '^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$'}
      phone: {type: string, format: telephone, pattern: '^[2-9]\d{2}-\d{3}-\d{4}$'}
      address: {$ref: "#/definitions/Address"}
  Address:
    type: object
    required: [streetAddress1, city, state, postalCode]
    properties:
      id: {type: string, format: uuid, readOnly: true}
      streetAddress1: {type: string}
      city: {type: string}
      state: {type: string, pattern: '^[A-Z]{2}$'}
      postalCode: {type: string, format: zip, pattern: '^(\d{5}([\-]\d{4})?)$'}
  Dimensions:
    type: object
    required: [length, width, height]
    properties:
      length: {type: integer, format: int32, minimum: 1}
      width: {type: integer, format: int32, minimum: 1}
      height: {type: integer, format: int32, minimum: 1}
  Everything:
    type: object
    required: [uuid, date, dateTime, email, telephone, zip, cents, millicents, edipi, i32, i64,
               f, d, uri, mime, bin, code, bounded, exclusive, short, list, uniq, maybe, bag,
               merged, nested, firstName, lastName, tac, pickupTime, state, postalCode, kind]
    properties:
      id: {type: string, format: uuid, readOnly: true}
      createdAt: {type: string, format: date-time, readOnly: true}
      uuid: {type: string, format: uuid}
      date: {type: string, format: date}
      dateTime: {type: string, format: date-time}
      email: {type: string, format: email}
      telephone: {type: string, format: telephone, pattern: '^[2-9]\d{2}-\d{3}-\d{4}$'}
      zip: {type: string, format: zip, pattern: '^(\d{5}([\-]\d{4})?)$'}
      cents: {type: integer, format: cents}
      millicents: {type: integer, format: millicents}
      edipi: {type: string, format: edipi, pattern: '^\d{10}$'}
      i32: {type: integer, format: int32}
      i64: {type: integer, format: int64}
      f: {type: number, format: float}
      d: {type: number, format: double}
      uri: {type: string, format: uri}
      mime: {type: string, format: mime-type}
      bin: {type: string, format: binary}
      code: {type: string, pattern: '^[A-Z]{2}-\d{3}[a-f]?$'}
      bounded: {type: integer, minimum: 5, maximum: 10}
      exclusive: {type: number, minimum: 0, maximum: 1, exclusiveMinimum: true, exclusiveMaximum: true}
      short: {type: string, minLength: 3, maxLength: 5}
      list: {type: array, minItems: 2, maxItems: 4, items: {type: string, format: uuid}}
      uniq: {type: array, minItems: 3, uniqueItems: true, items: {type: string, enum: [RED, GREEN, BLUE]}}
      maybe: {type: string, x-nullable: true}
      bag: {type: object, additionalProperties: {type: integer, minimum: 1, maximum: 3}}
      merged:
        allOf:
          - {type: object, required: [a], properties: {a: {type: string, enum: [yes]}}}
          - {type: object, required: [b], properties: {b: {type: integer, minimum: 7, maximum: 7}}}
      nested:
        type: object
        required: [inner]
        properties:
          inner:
            type: object
            required: [value]
            properties:
              value: {type: integer}
              label: {type: string}
              secret: {type: string, readOnly: true}
          items: {type: array, items: {$ref: "#/definitions/Dimensions"}}
      firstName: {type: string}
      lastName: {type: string}
      tac: {type: string, maxLength: 4}
      pickupTime: {type: string, pattern: '\d{4}Z'}
      state: {type: string}
      postalCode: {type: string}
      kind: {type: string, enum: [ONE, TWO]}
      optionalNote: {type: string}
      optionalCount: {type: integer}
      homeAddress:
        $ref: "#/definitions/Address"
        x-nullable: true
        description: sibling keys beside $ref
  ServiceItem:
    type: object
    discriminator: modelType
    required: [modelType, moveTaskOrderID]
    properties:
      id: {type: string, format: uuid, readOnly: true}
      moveTaskOrderID: {type: string, format: uuid}
      modelType: {$ref: "#/definitions/ServiceItemModelType"}
  ServiceItemModelType:
    type: string
    enum: [ItemBasic, ItemCrating, ItemMisspelt]
  ItemBasic:
    allOf:
      - $ref: "#/definitions/ServiceItem"
      - type: object
        required: [reason]
        properties:
          reason: {type: string}
  ItemCrating:
    allOf:
      - $ref: "#/definitions/ServiceItem"
      - type: object
        required: [item, crate, description]
        properties:
          item: {$ref: "#/definitions/Dimensions"}
          crate: {$ref: "#/definitions/Dimensions"}
          description: {type: string}
  ItemNotListed:
    allOf:
      - $ref: "#/definitions/ServiceItem"
      - type: object
        properties:
          extra: {type: string}
"##;

/// An OpenAPI 3.0 spec (JSON) with oneOf/anyOf, nullable and a recursive schema.
pub const OPENAPI3_JSON: &str = r##"{
  "openapi": "3.0.3",
  "info": {"title": "three", "version": "1"},
  "servers": [{"url": "http://127.0.0.1:9/three/v1"}],
  "paths": {
    "/shapes": {
      "post": {
        "operationId": "createShape",
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/Shape"}}}},
        "responses": {"201": {"description": "ok"}}
      }
    }
  },
  "components": {"schemas": {
    "Shape": {
      "type": "object",
      "required": ["geometry", "tag", "tree"],
      "properties": {
        "geometry": {"oneOf": [
          {"type": "object", "required": ["radius"], "additionalProperties": false,
           "properties": {"radius": {"type": "integer", "minimum": 1, "maximum": 9}}},
          {"type": "string", "enum": ["SQUARE", "TRIANGLE"]}
        ]},
        "tag": {"anyOf": [{"type": "integer", "minimum": 100}, {"type": "string", "maxLength": 3}]},
        "comment": {"type": "string", "nullable": true},
        "tree": {"$ref": "#/components/schemas/Tree"}
      }
    },
    "Tree": {
      "type": "object",
      "required": ["name"],
      "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}
      }
    }
  }}
}"##;

/// A Support-like spec with `createMoveTaskOrder`, for the MilMove rules.
pub const SUPPORT_LIKE: &str = r##"
swagger: "2.0"
info: {title: support-like, version: "1"}
basePath: /support/v1
consumes: [application/json]
paths:
  /move-task-orders:
    post:
      operationId: createMoveTaskOrder
      parameters: [{name: body, in: body, required: true, schema: {$ref: "#/definitions/MoveTaskOrder"}}]
      responses: {"201": {description: ok}}
  /crates:
    post:
      operationId: createCrate
      parameters: [{name: body, in: body, required: true, schema: {$ref: "#/definitions/Crating"}}]
      responses: {"201": {description: ok}}
definitions:
  Dimensions:
    type: object
    required: [length, width, height]
    properties:
      length: {type: integer, minimum: 1}
      width: {type: integer, minimum: 1}
      height: {type: integer, minimum: 1}
  Crating:
    type: object
    required: [item, crate, requestedPickupDate, requestedDeliveryDate]
    properties:
      item: {$ref: "#/definitions/Dimensions"}
      crate: {$ref: "#/definitions/Dimensions"}
      requestedPickupDate: {type: string, format: date}
      requestedDeliveryDate: {type: string, format: date}
  MoveTaskOrder:
    type: object
    required: [order, mtoShipments]
    properties:
      id: {type: string, format: uuid, readOnly: true}
      order:
        type: object
        required: [orderNumber, originDutyLocation]
        properties:
          orderNumber: {type: string}
          originDutyLocationID: {type: string, format: uuid}
          originDutyLocation: {type: object, properties: {name: {type: string}}}
          destinationDutyLocation: {type: object, properties: {name: {type: string}}}
          uploadedOrders: {type: object, properties: {name: {type: string}}}
      mtoShipments: {type: array, items: {type: object, properties: {x: {type: string}}}}
      mtoServiceItems: {type: array, items: {type: object}}
      paymentRequests: {type: array, items: {type: object}}
      referenceId: {type: string}
"##;
