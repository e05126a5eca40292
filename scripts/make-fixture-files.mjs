// Writes the binary files of fixtures/default.yaml into fixtures/files/ (deterministic: rerunning changes nothing).
// Run: node --import tsx scripts/make-fixture-files.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDrawingPdf, makeStepBlock, makeThumbnailPng } from '../src/fixtures/sample-files.ts';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'files');
const company = 'NORDLINE CONVEYORS OY';
const drawnBy = 'A. Virtanen';

/** Thumbnails: part number → shape and colour. */
const thumbnails = {
  '55-554354': ['ring', [70, 90, 110]],
  '55-554360': ['ring', [95, 110, 125]],
  '55-561020': ['circle', [150, 160, 170]],
  '55-561030': ['circle', [120, 130, 140]],
  '55-570110': ['rect', [40, 110, 180]],
  '55-580001': ['ring', [200, 120, 30]],
  '55-580010': ['hex', [60, 60, 60]],
  '55-600500': ['rect', [30, 30, 30]],
  '55-554400': ['rect', [0, 90, 60]],
  '62-110400': ['circle', [0, 100, 160]],
  '62-120075': ['rect', [70, 70, 80]],
  '62-130010': ['rect', [0, 150, 130]],
  '62-140025': ['rect', [110, 110, 120]],
  '62-150001': ['circle', [210, 30, 30]],
  '62-160300': ['circle', [220, 170, 0]],
  '62-190024': ['rect', [90, 90, 200]],
  '10-100120': ['rect', [40, 110, 180]],
};

/** Drawings: file name → title block. */
const drawings = [
  [
    '55-554354_rev119_drawing.pdf',
    '55-554354',
    'DRIVE PULLEY D320 x 650',
    '119',
    '2023-09-12',
    ['D320 (LAGGED D336)', 'FACE WIDTH 650', 'SHAFT D60 h6'],
    ['119  FIRST ISSUE  2023-09-12'],
  ],
  [
    '55-554354_rev120_drawing.pdf',
    '55-554354',
    'DRIVE PULLEY D320 x 650',
    '120',
    '2024-02-20',
    ['D320 (LAGGED D342, 12 mm RUBBER)', 'FACE WIDTH 650', 'SHAFT D60 h6, KEYWAY 18'],
    ['119  FIRST ISSUE  2023-09-12', '120  LAGGING 12 mm, KEYWAY ADDED  2024-02-20'],
  ],
  [
    '55-554360_revA_drawing.pdf',
    '55-554360',
    'TAIL PULLEY D270 x 650',
    'A',
    '2023-08-30',
    ['D270', 'FACE WIDTH 650', 'SHAFT D50 h6'],
    ['A  FIRST ISSUE  2023-08-30'],
  ],
  [
    '55-570110_revB_drawing.pdf',
    '55-570110',
    'CONVEYOR FRAME SECTION 3000',
    'B',
    '2023-10-04',
    ['L 3000', 'W 820', 'H 450'],
    ['A  FIRST ISSUE  2023-06-01', 'B  HOLE PATTERN 100 mm  2023-10-04'],
  ],
  [
    '55-570110_revC_drawing.pdf',
    '55-570110',
    'CONVEYOR FRAME SECTION 3000',
    'C',
    '2024-03-11',
    ['L 3000', 'W 820', 'H 450', 'LEG BRACING ADDED'],
    ['B  HOLE PATTERN 100 mm  2023-10-04', 'C  LEG BRACING (IN WORK)  2024-03-11'],
  ],
  [
    '55-570120_revA_drawing.pdf',
    '55-570120',
    'SCREW TAKE-UP UNIT 400',
    'A',
    '2023-07-18',
    ['STROKE 400', 'FOR SHAFT D50'],
    ['A  FIRST ISSUE  2023-07-18'],
  ],
  [
    '55-570200_revA_drawing.pdf',
    '55-570200',
    'SIDE GUIDE RAIL 1500',
    'A',
    '2023-11-02',
    ['L 1500', 'UHMW-PE WEAR STRIP'],
    ['A  FIRST ISSUE  2023-11-02'],
  ],
  [
    '62-110400_dimensions.pdf',
    '62-110400',
    'AC MOTOR 4 kW 400 V IE3',
    'A',
    '2023-05-15',
    ['FRAME 112M', 'SHAFT D28 j6', 'B3 FOOT MOUNT'],
    [],
  ],
  ['62-160300_datasheet.pdf', '62-160300', 'INDUCTIVE SENSOR M18 PNP NO', 'A', '2023-05-15', ['M18 x 1', 'SN 8 mm FLUSH', '10-30 VDC'], []],
  [
    '62-180600_revA_drawing.pdf',
    '62-180600',
    'CONTROL CABINET 600x600x250',
    'A',
    '2023-09-01',
    ['600 x 600 x 250', 'IP66'],
    ['A  FIRST ISSUE  2023-09-01'],
  ],
  [
    '62-180600_revB_drawing.pdf',
    '62-180600',
    'CONTROL CABINET 600x600x250',
    'B',
    '2024-03-05',
    ['600 x 600 x 250', 'IP66', 'CABLE GLAND PLATE M32 x 6'],
    ['A  FIRST ISSUE  2023-09-01', 'B  GLAND PLATE (IN WORK)  2024-03-05'],
  ],
  [
    '10-100120_revA_GA.pdf',
    '10-100120',
    'CV-1200 BELT CONVEYOR 650 x 12 m',
    'A',
    '2023-11-20',
    ['L 12000', 'BELT 650', 'V 1.6 m/s'],
    ['A  FIRST ISSUE  2023-11-20'],
  ],
  [
    '10-100120_revB_GA.pdf',
    '10-100120',
    'CV-1200 BELT CONVEYOR 650 x 12 m',
    'B',
    '2024-02-28',
    ['L 12000', 'BELT 650', 'V 1.6 m/s', 'SIDE GUIDES BOTH SIDES'],
    ['A  FIRST ISSUE  2023-11-20', 'B  SIDE GUIDES, DRIVE PULLEY REV 120  2024-02-28'],
  ],
  [
    '20-300150_revA_drawing.pdf',
    '20-300150',
    'DRIVE UNIT 4 kW',
    'A',
    '2023-10-10',
    ['i = 25', 'OUTPUT 58 rpm'],
    ['A  FIRST ISSUE  2023-10-10'],
  ],
  [
    '20-300150_revB_drawing.pdf',
    '20-300150',
    'DRIVE UNIT 4 kW',
    'B',
    '2024-03-14',
    ['i = 25', 'OUTPUT 58 rpm', 'GUARD ADDED'],
    ['A  FIRST ISSUE  2023-10-10', 'B  COUPLING GUARD (IN WORK)  2024-03-14'],
  ],
  [
    '20-300410_revA_drawing.pdf',
    '20-300410',
    'CONTROL CABINET ASSEMBLY',
    'A',
    '2023-10-12',
    ['600 x 600 x 250'],
    ['A  FIRST ISSUE  2023-10-12'],
  ],
];

/** STEP models: file name → block. */
const models = [
  ['55-554354_rev120.step', '55-554354', 'Drive pulley D320 x 650', '120', [342, 342, 650], '2024-02-20T10:15:00'],
  ['55-570110.step', '55-570110', 'Conveyor frame section 3000', 'B', [3000, 820, 450], '2023-10-04T08:30:00'],
  ['55-554400.step', '55-554400', 'Helical gearbox i=25', 'A', [260, 180, 220], '2023-05-15T12:00:00'],
  ['62-110400.step', '62-110400', 'AC motor 4 kW 400 V IE3', 'A', [420, 220, 260], '2023-05-15T12:00:00'],
  ['62-180600.step', '62-180600', 'Control cabinet 600x600x250', 'A', [600, 600, 250], '2023-09-01T09:00:00'],
];

mkdirSync(outDir, { recursive: true });
const write = (name, bytes) => {
  writeFileSync(join(outDir, name), bytes);
  process.stdout.write(`${name}  ${bytes.length} bytes\n`);
};
for (const [pn, [shape, color]] of Object.entries(thumbnails)) {
  write(`${pn}.png`, makeThumbnailPng({ size: 96, shape, color }));
}
for (const [file, partNumber, title, revision, date, dimensions, notes] of drawings) {
  write(file, makeDrawingPdf({ company, partNumber, title, revision, date, drawnBy, dimensions, notes }));
}
for (const [file, partNumber, name, revision, size, timestamp] of models) {
  write(file, makeStepBlock({ partNumber, name, revision, size, timestamp, author: drawnBy, organization: 'Nordline Conveyors Oy' }));
}
