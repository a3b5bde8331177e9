"""The FMB/FMC/FMM/FMT AVL ID catalogue as data.

Sources: Teltonika wiki "FMB Teltonika Data Sending Parameters ID" (the FMB AVL
ID list, firmware 03.18 and newer: permanent, eventual, OBD, LV-CAN/ALL-CAN,
BLE sensor, tachograph groups: ID, name, bytes, type, multiplier, unit), and
the attribute keys Traccar's ``TeltonikaProtocolDecoder`` uses for the FMB
family (read for facts only: key names and scaling). Where Traccar has no key
the vendor's name in lower camelCase is the key.

Row: ``(AVL ID, key, bytes, kind, multiplier, unit, vendor name)``. ``bytes``
is 0 for variable-length elements (codec 8E only). Kinds:

``u``  unsigned integer (times the multiplier when there is one)
``s``  two's complement of ``bytes`` bytes (times the multiplier)
``b``  boolean (non-zero is True)
``x``  the value's ``bytes`` bytes as lowercase hex (IDs, MAC addresses)
``d``  decimal digits as text (ICCID)
``k``  iButton key: 8 bytes little-endian, 16 upper-case hex digits, 0 = none
``a``  ASCII text (variable-length)

Alarm elements are in ``ALARMS``: value -> Traccar alarm name, the value
itself stays under the row's key as well.
"""

from __future__ import annotations

__all__ = ["AVL_IDS", "ALARMS", "GH3000_IDS", "EYE_IDS"]

Row = tuple[int, str, int, str, float | None, str, str]

_PERMANENT: list[Row] = [
    (239, "ignition", 1, "b", None, "", "Ignition"),
    (240, "motion", 1, "b", None, "", "Movement"),
    (80, "dataMode", 1, "u", None, "", "Data Mode"),
    (21, "rssi", 1, "u", None, "", "GSM Signal"),
    (200, "sleepMode", 1, "u", None, "", "Sleep Mode"),
    (69, "gnssStatus", 1, "u", None, "", "GNSS Status"),
    (181, "pdop", 2, "u", 0.1, "", "GNSS PDOP"),
    (182, "hdop", 2, "u", 0.1, "", "GNSS HDOP"),
    (66, "power", 2, "u", 0.001, "V", "External Voltage"),
    (24, "gnssSpeed", 2, "u", None, "km/h", "Speed"),
    (205, "cid2g", 2, "u", None, "", "GSM Cell ID"),
    (206, "lac", 2, "u", None, "", "GSM Area Code"),
    (67, "battery", 2, "u", 0.001, "V", "Battery Voltage"),
    (68, "batteryCurrent", 2, "u", 0.001, "A", "Battery Current"),
    (241, "operator", 4, "u", None, "", "Active GSM Operator"),
    (199, "tripOdometer", 4, "u", None, "m", "Trip Odometer"),
    (16, "odometer", 4, "u", None, "m", "Total Odometer"),
    (1, "in1", 1, "b", None, "", "Digital Input 1"),
    (2, "in2", 1, "b", None, "", "Digital Input 2"),
    (3, "in3", 1, "b", None, "", "Digital Input 3"),
    (4, "pulseCounterDin1", 4, "u", None, "", "Pulse Counter Din1"),
    (5, "pulseCounterDin2", 4, "u", None, "", "Pulse Counter Din2"),
    (9, "adc1", 2, "u", 0.001, "V", "Analog Input 1"),
    (6, "adc2", 2, "u", 0.001, "V", "Analog Input 2"),
    (179, "out1", 1, "b", None, "", "Digital Output 1"),
    (180, "out2", 1, "b", None, "", "Digital Output 2"),
    (380, "out3", 1, "b", None, "", "Digital Output 3"),
    (381, "groundSense", 1, "u", None, "", "Ground Sense"),
    (12, "fuelUsed", 4, "u", 0.001, "l", "Fuel Used GPS"),
    (13, "fuelConsumption", 2, "u", 0.01, "l/100km", "Fuel Rate GPS"),
    (17, "axisX", 2, "s", None, "mG", "Axis X"),
    (18, "axisY", 2, "s", None, "mG", "Axis Y"),
    (19, "axisZ", 2, "s", None, "mG", "Axis Z"),
    (11, "iccid", 8, "d", None, "", "ICCID1"),
    (14, "iccid2", 8, "d", None, "", "ICCID2"),
    (10, "sdStatus", 1, "u", None, "", "SD Status"),
    (15, "ecoScore", 2, "u", 0.01, "", "Eco Score"),
    (113, "batteryLevel", 1, "u", None, "%", "Battery Level"),
    (238, "userId", 8, "x", None, "", "User ID (MAC of the Bluetooth NMEA receiver)"),
    (237, "networkType", 1, "u", None, "", "Network Type"),
    (263, "btStatus", 1, "u", None, "", "BT Status"),
    (303, "instantMovement", 1, "b", None, "", "Instant Movement"),
    (636, "cid4g", 4, "u", None, "", "UMTS/LTE Cell ID"),
    (662, "door", 1, "b", None, "", "Door Status (DIN)"),
]

_TEMPERATURE: list[Row] = [
    (72, "temp1", 4, "s", 0.1, "°C", "Dallas Temperature 1"),
    (73, "temp2", 4, "s", 0.1, "°C", "Dallas Temperature 2"),
    (74, "temp3", 4, "s", 0.1, "°C", "Dallas Temperature 3"),
    (75, "temp4", 4, "s", 0.1, "°C", "Dallas Temperature 4"),
    (76, "tempId1", 8, "x", None, "", "Dallas Temperature ID 1"),
    (77, "tempId2", 8, "x", None, "", "Dallas Temperature ID 2"),
    (79, "tempId3", 8, "x", None, "", "Dallas Temperature ID 3"),
    (71, "tempId4", 8, "x", None, "", "Dallas Temperature ID 4"),
    (78, "driverUniqueId", 8, "k", None, "", "iButton"),
    (8, "authorizedIButton", 8, "x", None, "", "Authorized iButton"),
    (207, "rfid", 8, "x", None, "", "RFID"),
    (201, "llsFuel1", 2, "s", None, "kvant or l", "LLS 1 Fuel Level"),
    (202, "llsTemp1", 1, "s", None, "°C", "LLS 1 Temperature"),
    (203, "llsFuel2", 2, "s", None, "kvant or l", "LLS 2 Fuel Level"),
    (204, "llsTemp2", 1, "s", None, "°C", "LLS 2 Temperature"),
    (210, "llsFuel3", 2, "s", None, "kvant or l", "LLS 3 Fuel Level"),
    (211, "llsTemp3", 1, "s", None, "°C", "LLS 3 Temperature"),
    (212, "llsFuel4", 2, "s", None, "kvant or l", "LLS 4 Fuel Level"),
    (213, "llsTemp4", 1, "s", None, "°C", "LLS 4 Temperature"),
    (214, "llsFuel5", 2, "s", None, "kvant or l", "LLS 5 Fuel Level"),
    (215, "llsTemp5", 1, "s", None, "°C", "LLS 5 Temperature"),
    (327, "ul202FuelLevel", 2, "s", 0.1, "mm", "UL202-02 Sensor Fuel level"),
    (483, "ul202Status", 1, "u", None, "", "UL202-02 Sensor Status"),
]

_EVENTUAL: list[Row] = [
    (175, "autoGeofence", 1, "u", None, "", "Auto Geofence"),
    (250, "trip", 1, "u", None, "", "Trip"),
    (255, "overSpeeding", 1, "u", None, "km/h", "Over Speeding"),
    (251, "idling", 1, "u", None, "", "Idling"),
    (253, "greenDrivingType", 1, "u", None, "", "Green driving type"),
    (246, "towing", 1, "u", None, "", "Towing"),
    (252, "unplug", 1, "u", None, "", "Unplug"),
    (247, "crashDetection", 1, "u", None, "", "Crash detection"),
    (248, "immobilizer", 1, "u", None, "", "Immobilizer"),
    (254, "greenDrivingValue", 1, "u", 0.01, "g or rad/s", "Green Driving Value"),
    (249, "jamming", 1, "u", None, "", "Jamming"),
    (243, "greenDrivingDuration", 2, "u", None, "ms", "Green driving event duration"),
    (236, "alarmEvent", 1, "u", None, "", "Alarm"),
    (258, "ecoMaximum", 16, "x", None, "", "EcoMaximum"),
    (259, "ecoAverage", 16, "x", None, "", "EcoAverage"),
    (260, "ecoDuration", 2, "u", None, "ms", "EcoDuration"),
    (283, "drivingState", 1, "u", None, "", "Driving State"),
    (284, "drivingRecords", 2, "u", None, "", "Driving Records"),
    (285, "bloodAlcohol", 2, "u", None, "", "Blood alcohol content (14 bits per mille x1000, 2 bits mode)"),
    (391, "privateMode", 1, "u", None, "", "Private mode"),
    (317, "crashEventCounter", 1, "u", None, "", "Crash event counter"),
    (449, "ignitionOnCounter", 4, "u", None, "s", "Ignition On Counter"),
    (318, "gnssJamming", 1, "u", None, "", "GNSS Jamming"),
]

_OBD: list[Row] = [
    (30, "faultCount", 1, "u", None, "", "Number of DTC"),
    (31, "engineLoad", 1, "u", None, "%", "Engine Load"),
    (32, "coolantTemp", 1, "s", None, "°C", "Coolant Temperature"),
    (33, "shortFuelTrim", 1, "s", None, "%", "Short Fuel Trim"),
    (34, "fuelPressure", 2, "u", None, "kPa", "Fuel pressure"),
    (35, "intakeMap", 1, "u", None, "kPa", "Intake MAP"),
    (36, "rpm", 2, "u", None, "rpm", "Engine RPM"),
    (37, "obdSpeed", 1, "u", None, "km/h", "Vehicle Speed"),
    (38, "timingAdvance", 1, "s", None, "°", "Timing Advance"),
    (39, "intakeAirTemp", 1, "s", None, "°C", "Intake Air Temperature"),
    (40, "maf", 2, "u", 0.01, "g/s", "MAF"),
    (41, "throttle", 1, "u", None, "%", "Throttle Position"),
    (42, "runtimeSinceStart", 2, "u", None, "s", "Runtime since engine start"),
    (43, "distanceMilOn", 2, "u", None, "km", "Distance Traveled MIL On"),
    (44, "relativeFuelRailPressure", 2, "u", 0.1, "kPa", "Relative Fuel Rail Pressure"),
    (45, "directFuelRailPressure", 2, "u", 10, "kPa", "Direct Fuel Rail Pressure"),
    (46, "commandedEgr", 1, "u", None, "%", "Commanded EGR"),
    (47, "egrError", 1, "s", None, "%", "EGR Error"),
    (48, "obdFuelLevel", 1, "u", None, "%", "Fuel Level"),
    (49, "distanceSinceCodesClear", 2, "u", None, "km", "Distance Since Codes Clear"),
    (50, "barometricPressure", 1, "u", None, "kPa", "Barometic Pressure"),
    (51, "controlModuleVoltage", 2, "u", 0.001, "V", "Control Module Voltage"),
    (52, "absoluteLoad", 2, "u", None, "%", "Absolute Load Value"),
    (53, "ambientAirTemp", 1, "s", None, "°C", "Ambient Air Temperature"),
    (54, "timeRunMilOn", 2, "u", None, "min", "Time Run With MIL On"),
    (55, "timeSinceCodesCleared", 2, "u", None, "min", "Time Since Codes Cleared"),
    (56, "absoluteFuelRailPressure", 2, "u", 0.1, "kPa", "Absolute Fuel Rail Pressure"),
    (57, "hybridBatteryLife", 1, "u", None, "%", "Hybrid battery pack life"),
    (58, "engineOilTemp", 1, "s", None, "°C", "Engine Oil Temperature"),
    (59, "fuelInjectionTiming", 2, "s", 0.01, "°", "Fuel injection timing"),
    (60, "obdFuelRate", 2, "u", 0.01, "l/100km", "Fuel Rate"),
    (389, "oemOdometer", 4, "u", None, "km", "OBD OEM Total Mileage"),
    (390, "oemFuelLevel", 4, "u", 0.1, "l", "OBD OEM Fuel Level"),
    (256, "vin", 0, "a", None, "", "VIN"),
    (281, "dtcs", 0, "a", None, "", "Fault Codes"),
]

_CAN: list[Row] = [
    (81, "obdSpeed", 1, "u", None, "km/h", "Vehicle Speed (CAN)"),
    (82, "throttle", 1, "u", None, "%", "Accelerator Pedal Position"),
    (83, "fuelUsed", 4, "u", 0.1, "l", "Fuel Consumed"),
    (84, "fuel", 2, "u", 0.1, "l", "Fuel level (l)"),
    (85, "rpm", 2, "u", None, "rpm", "Engine RPM (CAN)"),
    (87, "obdOdometer", 4, "u", None, "m", "Total Mileage"),
    (89, "fuelLevelPercentage", 1, "u", None, "%", "Fuel level (%)"),
    (90, "doorStatus", 2, "u", None, "", "Door Status"),
    (100, "programNumber", 4, "u", None, "", "Program Number"),
    (101, "moduleId", 8, "x", None, "", "Module ID 8B"),
    (388, "moduleId17", 0, "x", None, "", "Module ID 17B"),
    (102, "engineWorktime", 4, "u", None, "min", "Engine Worktime"),
    (103, "engineWorktimeCounted", 4, "u", None, "min", "Engine Worktime (counted)"),
    (105, "totalMileageCounted", 4, "u", None, "m", "Total Mileage (counted)"),
    (107, "fuelConsumedCounted", 4, "u", 0.1, "l", "Fuel Consumed (counted)"),
    (110, "fuelConsumption", 2, "u", 0.1, "l/h", "Fuel Rate"),
    (111, "adBlueLevel", 1, "u", None, "%", "AdBlue Level (%)"),
    (112, "adBlueLiters", 2, "u", 0.1, "l", "AdBlue Level (l)"),
    (114, "engineLoad", 1, "u", None, "%", "Engine Load (CAN)"),
    (115, "engineTemp", 2, "s", 0.1, "°C", "Engine Temperature"),
    *[(117 + n, f"axle{n}Load", 2, "u", None, "kg", f"Axle {n} Load") for n in range(1, 6)],
    (123, "controlStateFlags", 4, "x", None, "", "Control State Flags"),
    (124, "agriculturalFlags", 8, "x", None, "", "Agricultural Machinery Flags"),
    (125, "harvestingTime", 4, "u", None, "min", "Harvesting Time"),
    (126, "harvestArea", 4, "u", None, "m2", "Area of Harvest"),
    (127, "mowingEfficiency", 4, "u", None, "m2/h", "LVC of Harvest"),
    (128, "grainMownVolume", 4, "u", None, "kg", "Grain Mow Volume"),
    (129, "grainMoisture", 2, "u", None, "%", "Grain Moisture"),
    (130, "harvestingDrumRpm", 2, "u", None, "rpm", "Harvesting Drum RPM"),
    (131, "harvestingDrumGap", 1, "u", None, "mm", "Gap Under Harvesting Drum"),
    (132, "securityStateFlags", 8, "x", None, "", "Security State Flags"),
    (133, "tachoOdometer", 4, "u", None, "m", "Tacho Total Distance"),
    (134, "tachoTripDistance", 4, "u", None, "m", "Trip Distance"),
    (135, "tachoSpeed", 2, "u", None, "km/h", "Tacho Vehicle Speed"),
    (136, "tachoCardPresence", 1, "u", None, "", "Tacho Driver Card Presence"),
    (137, "driver1States", 1, "u", None, "", "Driver 1 States"),
    (138, "driver2States", 1, "u", None, "", "Driver 2 States"),
    (139, "driver1ContinuousDriving", 2, "u", None, "min", "Driver 1 Continuous Driving Time"),
    (140, "driver2ContinuousDriving", 2, "u", None, "min", "Driver 2 Continuous Driving Time"),
    (141, "driver1BreakTime", 2, "u", None, "min", "Driver 1 Cumulative Break Time"),
    (142, "driver2BreakTime", 2, "u", None, "min", "Driver 2 Cumulative Break Time"),
    (143, "driver1ActivityDuration", 2, "u", None, "min", "Driver 1 Selected Activity Duration"),
    (144, "driver2ActivityDuration", 2, "u", None, "min", "Driver 2 Selected Activity Duration"),
    (145, "driver1CumulativeDriving", 2, "u", None, "min", "Driver 1 Cumulative Driving Time"),
    (146, "driver2CumulativeDriving", 2, "u", None, "min", "Driver 2 Cumulative Driving Time"),
    (147, "driver1IdHigh", 8, "x", None, "", "Driver 1 ID High"),
    (148, "driver1IdLow", 8, "x", None, "", "Driver 1 ID Low"),
    (149, "driver2IdHigh", 8, "x", None, "", "Driver 2 ID High"),
    (150, "driver2IdLow", 8, "x", None, "", "Driver 2 ID Low"),
    (151, "batteryTemp", 2, "s", 0.1, "°C", "Battery Temperature"),
    (152, "hvBatteryLevel", 1, "u", None, "%", "Battery Level (HV)"),
    (160, "dtcFaultsCount", 1, "u", None, "", "DTC Faults Count"),
    (161, "armSlope", 2, "s", None, "°", "Slope of Arm"),
    (162, "armRotation", 2, "s", None, "°", "Rotation of Arm"),
    (163, "armEject", 2, "u", None, "m", "Eject of Arm"),
    (164, "armHorizontalDistance", 2, "u", None, "m", "Horizontal Distance Arm"),
    (165, "armHeight", 2, "u", None, "m", "Height Arm Above Ground"),
    (166, "drillRpm", 2, "u", None, "rpm", "Drill RPM"),
    (167, "spreadSalt", 2, "u", None, "g/m2", "Spread Salt"),
    (168, "canBatteryVoltage", 2, "u", None, "V", "Battery Voltage (CAN)"),
    (169, "spreadFineSalt", 4, "u", None, "t", "Spread Fine Grained Salt"),
    (170, "spreadCoarseSalt", 4, "u", None, "t", "Coarse Grained Salt"),
    (171, "spreadDiMix", 4, "u", None, "t", "Spread DiMix"),
    (172, "spreadCoarseCalcium", 4, "u", None, "m3", "Spread Coarse Grained Calcium"),
    (173, "spreadCalciumChloride", 4, "u", None, "m3", "Spread Calcium Chloride"),
    (174, "spreadSodiumChloride", 4, "u", None, "m3", "Spread Sodium Chloride"),
    (176, "spreadMagnesiumChloride", 4, "u", None, "m3", "Spread Magnesium Chloride"),
    (177, "spreadGravel", 4, "u", None, "t", "Amount Of Spread Gravel"),
    (178, "spreadSand", 4, "u", None, "t", "Amount Of Spread Sand"),
    (183, "pouringWidthLeft", 2, "u", None, "m", "Width Pouring Left"),
    (184, "pouringWidthRight", 2, "u", None, "m", "Width Pouring Right"),
    (185, "saltSpreaderHours", 4, "u", None, "h", "Salt Spreader Working Hours"),
    (186, "saltingDistance", 4, "u", None, "km", "Distance During Salting"),
    (187, "loadWeight", 4, "u", None, "kg", "Load Weight"),
    (188, "retarderLoad", 1, "u", None, "%", "Retarder Load"),
    (189, "cruiseTime", 4, "u", None, "min", "Cruise Time"),
    (232, "cngStatus", 1, "b", None, "", "CNG status"),
    (233, "cngUsed", 4, "u", 0.1, "kg", "CNG used"),
    (234, "cngLevel", 2, "u", None, "%", "CNG level"),
    (235, "oilLevel", 1, "u", None, "", "Engine Oil Level"),
    (304, "rangeOnBattery", 4, "u", None, "m", "Vehicle Range on Battery"),
    (305, "rangeOnAdditionalFuel", 4, "u", None, "m", "Vehicle Range On Additional Fuel"),
    (325, "vin", 0, "a", None, "", "VIN (CAN)"),
    (282, "dtcFaultCode", 0, "a", None, "", "DTC Faults code"),
    (517, "securityStateFlagsP4", 8, "x", None, "", "SecurityStateFlags_P4"),
    (518, "controlStateFlagsP4", 8, "x", None, "", "ControlStateFlags_P4"),
    (519, "indicatorStateFlagsP4", 8, "x", None, "", "IndicatorStateFlags_P4"),
    (520, "agriculturalStateFlagsP4", 8, "x", None, "", "AgriculturalStateFlags_P4"),
    (521, "utilityStateFlagsP4", 8, "x", None, "", "UtilityStateFlags_P4"),
    (522, "cisternStateFlagsP4", 8, "x", None, "", "CisternStateFlags_P4"),
    (855, "lngUsed", 4, "u", None, "kg", "Total LNG Used"),
    (856, "lngUsedCounted", 4, "u", None, "kg", "Total LNG Used Counted"),
    (857, "lngLevelPercentage", 2, "u", None, "%", "LNG Level Proc"),
    (858, "lngLevel", 2, "u", None, "kg", "LNG Level kg"),
]

_DRIVER: list[Row] = [
    (264, "barcode", 0, "a", None, "", "Barcode ID"),
    (387, "iso6709", 0, "a", None, "", "ISO6709 Coordinates"),
    (403, "driverName", 0, "a", None, "", "Driver Name"),
    (404, "driverLicenseType", 1, "u", None, "", "Driver card license type"),
    (405, "driverGender", 1, "u", None, "", "Driver Gender"),
    (406, "driverCardId", 4, "u", None, "", "Driver Card ID"),
    (407, "driverCardExpiry", 2, "u", None, "", "Driver card expiration date"),
    (408, "driverCardIssuePlace", 2, "u", None, "", "Driver Card place of issue"),
    (409, "driverStatusEvent", 1, "u", None, "", "Driver Status Event"),
    (257, "crashTrace", 0, "x", None, "", "Crash trace data"),
]

_BLE: list[Row] = [
    *[(24 + n, f"bleTemp{n}", 2, "s", 0.01, "°C", f"BLE Temperature #{n}") for n in range(1, 5)],
    (29, "bleBattery1", 1, "u", None, "%", "BLE Battery #1"),
    (20, "bleBattery2", 1, "u", None, "%", "BLE Battery #2"),
    (22, "bleBattery3", 1, "u", None, "%", "BLE Battery #3"),
    (23, "bleBattery4", 1, "u", None, "%", "BLE Battery #4"),
    (86, "bleHumidity1", 2, "u", 0.1, "%RH", "BLE Humidity #1"),
    (104, "bleHumidity2", 2, "u", 0.1, "%RH", "BLE Humidity #2"),
    (106, "bleHumidity3", 2, "u", 0.1, "%RH", "BLE Humidity #3"),
    (108, "bleHumidity4", 2, "u", 0.1, "%RH", "BLE Humidity #4"),
    (270, "bleFuelLevel1", 2, "u", None, "", "BLE Fuel Level #1"),
    (273, "bleFuelLevel2", 2, "u", None, "", "BLE Fuel Level #2"),
    (276, "bleFuelLevel3", 2, "u", None, "", "BLE Fuel Level #3"),
    (279, "bleFuelLevel4", 2, "u", None, "", "BLE Fuel Level #4"),
    (269, "bleFuelTemp1", 1, "s", None, "°C", "Escort LLS Temperature #1"),
    (272, "bleFuelTemp2", 1, "s", None, "°C", "Escort LLS Temperature #2"),
    (275, "bleFuelTemp3", 1, "s", None, "°C", "Escort LLS Temperature #3"),
    (278, "bleFuelTemp4", 1, "s", None, "°C", "Escort LLS Temperature #4"),
    (271, "bleFuelBattery1", 1, "u", 0.01, "V", "Escort LLS Battery Voltage #1"),
    (274, "bleFuelBattery2", 1, "u", 0.01, "V", "Escort LLS Battery Voltage #2"),
    (277, "bleFuelBattery3", 1, "u", 0.01, "V", "Escort LLS Battery Voltage #3"),
    (280, "bleFuelBattery4", 1, "u", 0.01, "V", "Escort LLS Battery Voltage #4"),
    *[(305 + n, f"bleFuelFrequency{n}", 4, "u", None, "Hz", f"BLE Fuel Frequency #{n}")
      for n in range(1, 5)],
    *[(334 + n, f"bleLuminosity{n}", 2, "u", None, "lx", f"BLE Luminosity #{n}") for n in range(1, 5)],
    *[(330 + n, f"ble{n}Custom1", 8, "u", None, "", f"BLE {n} Custom #1") for n in range(1, 5)],
    *[(463 + 4 * (n - 1) + (c - 2), f"ble{n}Custom{c}", 8, "u", None, "", f"BLE {n} Custom #{c}")
      for n in range(1, 5) for c in range(2, 6)],
    (385, "beacon", 0, "beacon", None, "", "Beacon (iBeacon / Eddystone list)"),
    (548, "tags", 0, "tags", None, "", "Advanced BLE Beacon data"),
    (10828, "tags", 0, "tags", None, "", "BLE beacons (EYE)"),
    (10829, "tags", 0, "tags", None, "", "BLE beacons (EYE, sorted)"),
    (10831, "tags", 0, "tags", None, "", "BLE beacons (EYE, nearest)"),
]

#: EYE sensor elements (FMB AVL ID list, "EYE sensors" group), sensors 1..4
EYE_IDS: list[Row] = [
    *[(10799 + n, f"eyeTemp{n}", 2, "s", 0.01, "°C", f"EYE Temperature {n}") for n in range(1, 5)],
    *[(10803 + n, f"eyeHumidity{n}", 1, "u", None, "%", f"EYE Humidity {n}") for n in range(1, 5)],
    *[(10807 + n, f"eyeMagnet{n}", 1, "u", None, "", f"EYE Magnet {n}") for n in range(1, 5)],
    *[(10811 + n, f"eyeMovement{n}", 2, "u", None, "", f"EYE Movement {n}") for n in range(1, 5)],
    *[(10815 + n, f"eyePitch{n}", 1, "s", None, "°", f"EYE Pitch {n}") for n in range(1, 5)],
    *[(10819 + n, f"eyeLowBattery{n}", 1, "u", None, "", f"EYE Low Battery {n}") for n in range(1, 5)],
    *[(10823 + n, f"eyeBatteryVoltage{n}", 2, "u", None, "mV", f"EYE Battery Voltage {n}")
      for n in range(1, 5)],
    *[(10831 + n, f"eyeRoll{n}", 2, "s", None, "°", f"EYE Roll {n}") for n in range(1, 5)],
]

#: the 50 geofence zone elements (1 byte: 0 target left, 1 target entered)
_GEOFENCE_IDS = (155, 156, 157, 158, 159, 61, 62, 63, 64, 65, 70, 88, 91, 92, 93, 94, 95, 96,
                 97, 98, 99, 153, 154, 190, 191, 192, 193, 194, 195, 196, 197, 198, 208, 209,
                 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231)
_GEOFENCES: list[Row] = [(avl_id, f"geofence{n}", 1, "u", None, "", f"Geofence zone {n:02d}")
                         for n, avl_id in enumerate(_GEOFENCE_IDS, 1)]

#: every AVL ID of the catalogue -> its row
AVL_IDS: dict[int, Row] = {row[0]: row for group in (
    _PERMANENT, _TEMPERATURE, _EVENTUAL, _OBD, _CAN, _DRIVER, _BLE, EYE_IDS, _GEOFENCES)
    for row in group}

#: alarm elements: AVL ID -> {value: Traccar alarm}; ``None`` as a value key = any non-zero
ALARMS: dict[int, dict[int | None, str]] = {
    236: {None: "general"},
    246: {None: "tow"},
    247: {None: "accident"},
    249: {1: "jamming"},
    251: {1: "idle"},
    252: {1: "powerCut"},
    253: {1: "hardAcceleration", 2: "hardBraking", 3: "hardCornering"},
}

#: GH3000 (codec 7) IO IDs -> (key, kind, multiplier); Teltonika GH3000 protocol
GH3000_IDS: dict[int, tuple[str, str, float | None]] = {
    1: ("batteryLevel", "u", None),
    2: ("usbConnected", "b", None),
    5: ("uptime", "u", None),
    20: ("hdop", "u", 0.1),
    21: ("vdop", "u", 0.1),
    22: ("pdop", "u", 0.1),
    67: ("battery", "u", 0.001),
    221: ("button", "u", None),
    222: ("sos", "u", None),
    240: ("motion", "b", None),
    244: ("roaming", "b", None),
}
#: GH3000 alarm elements
GH3000_ALARMS: dict[int, dict[int | None, str]] = {222: {1: "sos"}}
