import { Module } from '@nestjs/common';
import { XModule } from '@x/nest';
import { RpcController } from './rpc.controller.js';
import { xSettings } from './settings.js';

/** The demo microservice: its own process, its own @x client, the caller's user from the packet. */
@Module({
  imports: [XModule.forRoot(xSettings('nest-demo-rpc'))],
  controllers: [RpcController],
})
export class RpcModule {}
